import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { buildCliApp, withDb } from './with-app.js';
import { InvalidArgumentError, Option } from 'commander';
import type { FastifyInstance } from 'fastify';
import { parseEnv } from '../env.js';
import { closeApp, openDb } from '../app/build.js';
import type { AppContext } from '../app/context.js';
import { buildWebApp } from '../api/app.js';
import type { WebOptions } from '../api/app.js';
import { webSettingsFromEnv } from '../api/config.js';
import { CandidateNotFoundError, nominateCandidate } from '../app/nominate.js';
import { appendAudit } from '../store/audit.js';
import {
  ROLES,
  createApiToken,
  createUser,
  findUserByUsername,
  isRole,
  listApiTokens,
  listUsers,
  MIN_PASSWORD_LENGTH,
} from '../store/users.js';
import type { Role, User } from '../store/users.js';
import { changeAccount } from '../app/accounts.js';
import type { AccountChange, AccountChangeResult } from '../app/accounts.js';
import { ROLE_LABELS, labelOf } from '../api/format.js';
import { isoMinute, table } from './format.js';
import { oneLine } from '../text/one-line.js';
import { uuidArg } from './args.js';
import { NotFoundError } from './errors.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError('väntade ett portnummer (0–65535)');
  }
  return n;
}

function role(value: string): Role {
  if (!isRole(value)) throw new InvalidArgumentError(`väntade en av ${ROLES.join(', ')}`);
  return value;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Starts the workbench on an already built app context; returns the listening server. With a
 * database role (HORISONT_DB_WEB_ROLE) the workbench gets a pool of its own whose connections
 * switch to that role, whatever role the rest of the process uses.
 */
export async function startWebServer(
  ctx: AppContext,
  settings: { host: string; port: number; options: WebOptions; dbRole?: string | undefined },
): Promise<FastifyInstance> {
  const db = settings.dbRole
    ? openDb(parseEnv(), ctx.log, 'horisont-web', settings.dbRole, 'web')
    : undefined;
  const web = await buildWebApp(db ? { ...ctx, db } : ctx, settings.options);
  if (db) web.addHook('onClose', async () => db.end());
  const address = await web.listen({ host: settings.host, port: settings.port });
  ctx.log.info({ url: address }, 'serve: workbench listening');
  return web;
}

/**
 * `serve`, `users add`, `tokens create` and `nominate`. The workbench and `horisont nominate`
 * share one nomination path (src/app/nominate.ts).
 */
export function registerWorkbenchCommands(program: Command): void {
  program
    .command('serve')
    .description('kör arbetsytan (webbgränssnittet och JSON-API:t) tills SIGTERM')
    .option('--port <port>', 'port (standard: $HORISONT_WEB_PORT eller 8080)', port)
    .option('--host <host>', 'adress att lyssna på (standard: $HORISONT_WEB_HOST eller 127.0.0.1)')
    .action(async (options: { port?: number; host?: string }) => {
      const settings = webSettingsFromEnv();
      const ctx = await buildCliApp(program, { applicationName: 'horisont-web', pool: 'web' });
      const web = await startWebServer(ctx, {
        ...settings,
        host: options.host ?? settings.host,
        port: options.port ?? settings.port,
      });
      console.log(`Arbetsytan körs på ${web.listeningOrigin}`);
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', () => resolve());
        process.once('SIGINT', () => resolve());
      });
      await web.close();
      await closeApp(ctx);
    });

  const users = program.command('users').description('arbetsytans konton');
  users
    .command('add')
    .description('skapa ett lokalt konto (skriver ut ett genererat lösenord om inte --password-stdin)')
    .argument('<username>', 'användarnamn')
    .addOption(new Option('--role <role>', `en av ${ROLES.join(', ')}`).argParser(role).makeOptionMandatory())
    .option('--name <display-name>', 'namnet i granskningsloggen (standard: användarnamnet)')
    .option('--password-stdin', `läs lösenordet från standard in (minst ${MIN_PASSWORD_LENGTH} tecken)`)
    .action(async (username: string, options: { role: Role; name?: string; passwordStdin?: boolean }) => {
      await withDb(async (db) => {
        const generated = options.passwordStdin ? undefined : randomBytes(15).toString('base64url');
        const password = generated ?? (await readStdin()).replace(/\r?\n$/, '');
        const user = await createUser(db, {
          username,
          role: options.role,
          displayName: options.name,
          password,
        });
        await appendAudit(db, {
          action: 'user.create',
          subjectType: 'user',
          subjectId: user.id,
          after: { username: user.username, role: user.role },
          details: { via: 'cli' },
        });
        console.log(`Användaren ${user.username} (${user.role}) är skapad.`);
        if (generated) console.log(`Lösenord (visas bara nu): ${generated}`);
      });
    });

  users
    .command('list')
    .description('varje konto: roll, inloggning, status, giltiga API-nycklar')
    .option('--json', 'som JSON')
    .action(async (options: { json?: boolean }) => {
      await withDb(async (db) => {
        const [accounts, allTokens] = await Promise.all([listUsers(db), listApiTokens(db)]);
        const live = (user: User) =>
          allTokens.filter((t) => t.userId === user.id && t.revokedAt === null).length;
        if (options.json) {
          console.log(
            JSON.stringify(
              accounts.map((user) => ({ ...user, liveTokens: live(user) })),
              null,
              2,
            ),
          );
          return;
        }
        console.log(
          table(
            ['användarnamn', 'namn', 'roll', 'inloggning', 'status', 'nycklar', 'skapad'],
            accounts.map((user) => [
              user.username,
              oneLine(user.displayName, 40),
              labelOf(ROLE_LABELS, user.role),
              user.authSource === 'oidc' ? 'OIDC' : 'lokalt konto',
              user.disabled ? 'avstängd' : 'aktiv',
              String(live(user)),
              isoMinute(user.createdAt),
            ]),
          ),
        );
      });
    });

  const accountCommand = (
    name: string,
    description: string,
    change: (options: Record<string, unknown>) => Promise<AccountChange> | AccountChange,
    report: (result: AccountChangeResult) => string[],
  ) =>
    users
      .command(name)
      .description(description)
      .argument('<username>', 'användarnamn')
      .action(async (username: string, ...rest: unknown[]) => {
        const command = rest[rest.length - 1] as Command;
        const wanted = await change(command.opts());
        await withDb(async (db) => {
          const result = await changeAccount(db, username, wanted, { via: 'cli' });
          for (const line of report(result)) console.log(line);
        });
      });

  accountCommand(
    'disable',
    'stäng av ett konto: dess sessioner avslutas och dess API-nycklar slutar gälla direkt',
    () => ({ kind: 'disable' }),
    (r) => [
      `${r.user.username} är avstängd (${r.sessionsEnded ?? 0} sessioner avslutade; API-nycklarna slutar gälla).`,
    ],
  );
  accountCommand(
    'enable',
    'aktivera ett avstängt konto igen',
    () => ({ kind: 'enable' }),
    (r) => [`${r.user.username} är aktiv igen.`],
  );
  accountCommand(
    'set-role',
    `ändra ett kontos roll (${ROLES.join(', ')})`,
    (options) => ({ kind: 'role', role: options.role as Role }),
    (r) => [`${r.user.username} har nu rollen ${labelOf(ROLE_LABELS, r.user.role)} (${r.user.role}).`],
  ).addOption(new Option('--role <role>', `en av ${ROLES.join(', ')}`).argParser(role).makeOptionMandatory());
  accountCommand(
    'reset-password',
    'sätt ett nytt lösenord (genereras och skrivs ut en gång om inte --password-stdin); loggar ut kontot överallt',
    async (options) => ({
      kind: 'password',
      password: options.passwordStdin ? (await readStdin()).replace(/\r?\n$/, '') : undefined,
    }),
    (r) => [
      `Nytt lösenord för ${r.user.username}; ${r.sessionsEnded ?? 0} sessioner avslutade.`,
      ...(r.password ? [`Lösenord (visas bara nu): ${r.password}`] : []),
    ],
  ).option('--password-stdin', `läs lösenordet från standard in (minst ${MIN_PASSWORD_LENGTH} tecken)`);

  const tokens = program.command('tokens').description('API-nycklar (bearer) för JSON-API:t');
  tokens
    .command('list')
    .description('API-nycklar (aldrig hemligheten): ägare, namn, början, senaste användning, om återkallad')
    .argument('[username]', 'bara detta kontos nycklar')
    .option('--json', 'som JSON')
    .action(async (username: string | undefined, options: { json?: boolean }) => {
      await withDb(async (db) => {
        const owner = username === undefined ? undefined : await findUserByUsername(db, username);
        if (username !== undefined && !owner) throw new NotFoundError(`Användaren ${username} finns inte.`);
        const rows = await listApiTokens(db, owner?.id);
        if (options.json) {
          console.log(JSON.stringify(rows, null, 2));
          return;
        }
        console.log(
          table(
            ['id', 'användare', 'namn', 'början', 'skapad', 'senast använd', 'status'],
            rows.map((t) => [
              t.id,
              t.username,
              oneLine(t.name || '–', 30),
              t.prefix,
              isoMinute(t.createdAt),
              isoMinute(t.lastUsedAt),
              t.revokedAt ? `återkallad ${isoMinute(t.revokedAt)}` : 'giltig',
            ]),
          ),
        );
      });
    });
  tokens
    .command('revoke')
    .description(
      'återkalla en API-nyckel (--id) eller alla ett kontos giltiga nycklar; de slutar gälla direkt',
    )
    .argument('<username>', 'kontot som nyckeln hör till')
    .option('--id <token-id>', 'bara denna nyckel (standard: alla kontots giltiga nycklar)')
    .action(async (username: string, options: { id?: string }) => {
      await withDb(async (db) => {
        const result = await changeAccount(
          db,
          username,
          { kind: 'revoke-tokens', tokenId: options.id },
          { via: 'cli' },
        );
        console.log(
          `${result.revokedTokens?.length ?? 0} API-nycklar för ${result.user.username} återkallade.`,
        );
      });
    });

  tokens
    .command('create')
    .description('skapa en API-nyckel för ett konto; den skrivs ut en gång och lagras bara som hash')
    .argument('<username>', 'kontot som nyckeln agerar som')
    .option('--name <name>', 'vad nyckeln är till för', '')
    .action(async (username: string, options: { name: string }) => {
      await withDb(async (db) => {
        const user = await findUserByUsername(db, username);
        if (!user) throw new NotFoundError(`Användaren ${username} finns inte.`);
        const created = await createApiToken(db, user.id, options.name);
        await appendAudit(db, {
          action: 'token.create',
          subjectType: 'user',
          subjectId: user.id,
          after: { tokenId: created.id, prefix: created.prefix },
          details: { via: 'cli' },
        });
        console.log(created.token);
      });
    });

  program
    .command('nominate')
    .description(
      'nominera en kandidat för en regions, ett NPO:s eller en professions räkning (till nomineringskön; öppnar dess ärende)',
    )
    .requiredOption('--candidate <id>', 'kandidatens id (uuid)', uuidArg('kandidatens id'))
    .requiredOption('--by <name>', 'vem som nominerar, t.ex. "Region Halland"')
    .addOption(
      new Option('--origin <origin>', 'vem som frågar')
        .choices(['region', 'npo', 'profession'])
        .default('region'),
    )
    .option('--reason <text>', 'varför')
    .option('--request-id <id>', 'idempotensnyckel: samma nyckel två gånger är en nominering')
    .action(
      async (options: {
        candidate: string;
        by: string;
        origin: 'region' | 'npo' | 'profession';
        reason?: string;
        requestId?: string;
      }) => {
        const ctx = await buildCliApp(program, { applicationName: 'horisont-cli' });
        try {
          const result = await nominateCandidate(ctx, {
            candidateId: options.candidate,
            origin: options.origin,
            nominatedBy: options.by,
            reason: options.reason,
            clientRequestId: options.requestId,
          }).catch((error: unknown) => {
            if (error instanceof CandidateNotFoundError) {
              throw new NotFoundError(`Ingen kandidat med id ${options.candidate}.`);
            }
            throw error;
          });
          if (result.created) {
            await appendAudit(ctx.db, {
              action: 'nomination.cli',
              subjectType: 'candidate',
              subjectId: options.candidate,
              details: {
                nominationId: result.nominationId,
                origin: options.origin,
                onBehalfOf: options.by,
                comment: options.reason,
              },
            });
          }
          console.log(
            `${result.created ? 'Nominering' : 'Redan registrerad nominering'} nr ${result.nominationId} för ${options.candidate}` +
              ` (${options.origin}: ${options.by}); ${result.enqueued ? 'i nomineringskön' : 'väntar på att köas'}` +
              `${result.caseNumber ? `; ärende ${result.caseNumber}` : ''}.`,
          );
        } finally {
          await closeApp(ctx);
        }
      },
    );
}
