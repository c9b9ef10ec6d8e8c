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
import { nominateCandidate } from '../app/nominate.js';
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
import { isoMinute, oneLine, table } from './format.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError('expected a port number (0–65535)');
  }
  return n;
}

function role(value: string): Role {
  if (!isRole(value)) throw new InvalidArgumentError(`expected one of ${ROLES.join(', ')}`);
  return value;
}

function uuid(value: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
    throw new InvalidArgumentError('candidate id must be a uuid');
  }
  return value.toLowerCase();
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
  const db = settings.dbRole ? openDb(parseEnv(), ctx.log, 'horisont-web', settings.dbRole) : undefined;
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
    .description('serve the workbench (Swedish web UI and JSON API) until SIGTERM')
    .option('--port <port>', 'port (default: $HORISONT_WEB_PORT or 8080)', port)
    .option('--host <host>', 'address to bind (default: $HORISONT_WEB_HOST or 127.0.0.1)')
    .action(async (options: { port?: number; host?: string }) => {
      const settings = webSettingsFromEnv();
      const ctx = await buildCliApp(program, { applicationName: 'horisont-web' });
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

  const users = program.command('users').description('local workbench accounts');
  users
    .command('add')
    .description('create a local account (prints a generated password unless --password-stdin)')
    .argument('<username>', 'login name')
    .addOption(
      new Option('--role <role>', `one of ${ROLES.join(', ')}`).argParser(role).makeOptionMandatory(),
    )
    .option('--name <display-name>', 'name shown in the audit log (default: the username)')
    .option(
      '--password-stdin',
      `read the password from standard input (at least ${MIN_PASSWORD_LENGTH} characters)`,
    )
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
    .description('every account: role, sign-in, status, live API tokens')
    .option('--json', 'as JSON')
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
      .argument('<username>', 'login name')
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
    'disable an account: its sessions end and its API tokens stop working at once',
    () => ({ kind: 'disable' }),
    (r) => [
      `${r.user.username} är avstängd (${r.sessionsEnded ?? 0} sessioner avslutade; API-nycklarna slutar gälla).`,
    ],
  );
  accountCommand(
    'enable',
    'enable a disabled account again',
    () => ({ kind: 'enable' }),
    (r) => [`${r.user.username} är aktiv igen.`],
  );
  accountCommand(
    'set-role',
    `change an account's role (${ROLES.join(', ')})`,
    (options) => ({ kind: 'role', role: options.role as Role }),
    (r) => [`${r.user.username} har nu rollen ${labelOf(ROLE_LABELS, r.user.role)} (${r.user.role}).`],
  ).addOption(
    new Option('--role <role>', `one of ${ROLES.join(', ')}`).argParser(role).makeOptionMandatory(),
  );
  accountCommand(
    'reset-password',
    'set a new password (generated and printed once unless --password-stdin); signs the account out everywhere',
    async (options) => ({
      kind: 'password',
      password: options.passwordStdin ? (await readStdin()).replace(/\r?\n$/, '') : undefined,
    }),
    (r) => [
      `Nytt lösenord för ${r.user.username}; ${r.sessionsEnded ?? 0} sessioner avslutade.`,
      ...(r.password ? [`Lösenord (visas bara nu): ${r.password}`] : []),
    ],
  ).option(
    '--password-stdin',
    `read the password from standard input (at least ${MIN_PASSWORD_LENGTH} characters)`,
  );

  const tokens = program.command('tokens').description('API tokens (bearer) for the JSON API');
  tokens
    .command('list')
    .description('API tokens (never the secret): owner, name, prefix, last use, whether revoked')
    .argument('[username]', "only this account's tokens")
    .option('--json', 'as JSON')
    .action(async (username: string | undefined, options: { json?: boolean }) => {
      await withDb(async (db) => {
        const owner = username === undefined ? undefined : await findUserByUsername(db, username);
        if (username !== undefined && !owner) throw new InvalidArgumentError(`no user "${username}"`);
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
    .description('revoke one API token (--id) or every live token of an account; it stops working at once')
    .argument('<username>', 'the account the token belongs to')
    .option('--id <token-id>', 'only this token (default: every live token of the account)')
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
    .description('create an API token for a user; it is printed once and stored only as a hash')
    .argument('<username>', 'the account the token acts as')
    .option('--name <name>', 'what the token is for', '')
    .action(async (username: string, options: { name: string }) => {
      await withDb(async (db) => {
        const user = await findUserByUsername(db, username);
        if (!user) throw new InvalidArgumentError(`no user "${username}"`);
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
      "nominate a candidate on a region's, NPO's or profession's behalf (onto the nomination queue; opens its case)",
    )
    .requiredOption('--candidate <id>', 'candidate id (uuid)', uuid)
    .requiredOption('--by <name>', 'who nominates, e.g. "Region Halland"')
    .addOption(
      new Option('--origin <origin>', 'who is asking')
        .choices(['region', 'npo', 'profession'])
        .default('region'),
    )
    .option('--reason <text>', 'why')
    .option('--request-id <id>', 'idempotency key: the same key twice is one nomination')
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
