import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/app/local-servers.js';
import { REPO_ROOT } from '../helpers/harness.js';
import { startOidcProvider } from '../helpers/oidc-provider.js';
import type { OidcProvider } from '../helpers/oidc-provider.js';
import { startOwnPostgres } from '../helpers/own-postgres.js';
import type { OwnPostgres } from '../helpers/own-postgres.js';
import { startOwnRedis } from '../helpers/own-redis.js';
import type { OwnRedis } from '../helpers/own-redis.js';

/**
 * Secrets in logs (issue 21): `npm run demo -- --serve` with every secret Horisont can be given
 * configured (database and Redis passwords, the OIDC client secret, the metrics token, the IP
 * hash key, an SMTP password), driven through what uses them: the demo's scans and alerts
 * (webhook signing secrets, unsubscribe tokens, an Atom feed token), a failed and a successful
 * sign-in with a password, an OIDC sign-in against a provider of the test's own, an API token
 * created and used, /metrics with its token. The demo mails into a directory, so its e-mail
 * subscriptions are then sent through an SMTP server of the test's own that insists on the
 * password (`subscriptions test` and `subscriptions deliver` in the demo's world, once with a
 * wrong password). Then every line the processes logged is searched for each secret, as written
 * and in the encodings it travels in (URL-encoded, HTTP Basic and SMTP AUTH base64).
 * On servers of the test's own, in a directory of its own: the demo recreates its schema.
 */

const SECRETS = {
  database: 'db-pw-Zq81xKv3',
  redis: 'redis-pw-Lm27pQa9',
  oidcClient: 'oidc-client-secret-Hh63TrYw',
  metrics: 'metrics-token-Pp04NnBb',
  ipHashKey: 'ip-hash-key-Vv55CcXx',
  smtp: 'smtp-pw-Jj12KkLl',
  wrongPassword: 'wrong-password-Gg98FfDd',
};

let work: string;
let server: OwnPostgres;
let redis: OwnRedis;
let provider: OidcProvider;
let demo: ChildProcess;
let stdout = '';
let stderr = '';
let smtp: SMTPServer;
let smtpPort: number;
const smtpLogins: Array<{ user: string; accepted: boolean }> = [];
const mailed: string[] = [];

/** An SMTP server that accepts mail only after AUTH with the configured password. */
async function startAuthenticatingSmtp(): Promise<void> {
  smtp = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    // Loopback only: no TLS to offer, so the password may cross in the clear.
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      const accepted = auth.username === 'horisont' && auth.password === SECRETS.smtp;
      smtpLogins.push({ user: auth.username ?? '', accepted });
      if (accepted) callback(null, { user: 'horisont' });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        mailed.push(session.envelope.rcptTo.map((to) => to.address).join(','));
        callback(null);
      });
    },
  });
  smtpPort = await freePort();
  await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', resolve));
}

/** A `horisont` command in the demo's world (its env file), with more of the environment. */
async function horisont(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; out: string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      pathToFileURL(path.join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
      path.join(REPO_ROOT, 'src/cli/main.ts'),
      '--env-file',
      path.join(work, 'var/demo/horisont.env'),
      ...args,
    ],
    { cwd: work, env: { ...process.env, LOG_LEVEL: 'debug', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, out };
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'horisont-secrets-'));
  server = await startOwnPostgres();
  redis = await startOwnRedis({ password: SECRETS.redis });
  provider = await startOidcProvider({ clientId: 'horisont-web', clientSecret: SECRETS.oidcClient });
  await startAuthenticatingSmtp();
});
afterAll(async () => {
  if (demo?.exitCode === null) demo.kill('SIGKILL');
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  await provider?.close();
  await redis?.destroy();
  await server?.destroy();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A cookie jar of one: the session cookie a response set, if any. */
function sessionCookie(response: Response): string | undefined {
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0]!)
    .find((cookie) => cookie.startsWith('horisont-session='));
}

describe('secrets in logs after a full demo run', () => {
  it('no configured or issued secret appears in any log line', async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const ca = path.join(work, 'provider-ca.pem');
    writeFileSync(ca, provider.ca);
    const databaseUrl = new URL(server.url);
    databaseUrl.password = SECRETS.database;
    demo = spawn(
      process.execPath,
      [
        '--import',
        pathToFileURL(path.join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
        path.join(REPO_ROOT, 'src/cli/main.ts'),
        'demo',
        '--serve',
      ],
      {
        cwd: work,
        env: {
          ...process.env,
          DATABASE_URL: databaseUrl.href,
          REDIS_URL: redis.url,
          LOG_LEVEL: 'debug',
          HORISONT_WEB_HOST: '127.0.0.1',
          HORISONT_WEB_PORT: String(port),
          HORISONT_METRICS_TOKEN: SECRETS.metrics,
          HORISONT_IP_HASH_KEY: SECRETS.ipHashKey,
          HORISONT_SMTP_URL: `smtp://horisont:${SECRETS.smtp}@127.0.0.1:${smtpPort}`,
          HORISONT_OIDC_ISSUER: provider.issuer,
          HORISONT_OIDC_CLIENT_ID: 'horisont-web',
          HORISONT_OIDC_CLIENT_SECRET: SECRETS.oidcClient,
          HORISONT_OIDC_REDIRECT_URI: `${origin}/logga-in/oidc/callback`,
          HORISONT_OIDC_ROLES_CLAIM: 'groups',
          HORISONT_OIDC_USERNAME_CLAIM: 'sub',
          HORISONT_OIDC_ROLE_MAP: 'grp-admins=admin',
          HORISONT_ALLOW_PRIVATE_HOSTS: provider.host,
          NODE_EXTRA_CA_CERTS: ca,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    demo.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    demo.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const deadline = Date.now() + 240_000;
    while (!stdout.includes(`Öppna ${origin}/`)) {
      if (demo.exitCode !== null || Date.now() > deadline) {
        throw new Error(`the demo did not start serving:\n${stdout}\n${stderr.slice(-3000)}`);
      }
      await sleep(250);
    }
    const demoPassword = /Inloggning: demo \/ (\S+)/.exec(stdout)![1]!;
    const issued: string[] = [demoPassword];

    // Password sign-in: once wrong, once right.
    const signIn = async (password: string) => {
      const page = await fetch(`${origin}/logga-in`);
      const cookie = sessionCookie(page)!;
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
      issued.push(cookie.split('=')[1]!, csrf);
      return fetch(`${origin}/logga-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, origin, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: 'demo', password, _csrf: csrf }).toString(),
      });
    };
    expect((await signIn(SECRETS.wrongPassword)).status).toBe(401);
    const signedIn = await signIn(demoPassword);
    expect(signedIn.status).toBe(303);
    const reviewer = sessionCookie(signedIn)!;
    issued.push(reviewer.split('=')[1]!);
    expect((await fetch(`${origin}/api/candidates`, { headers: { cookie: reviewer } })).status).toBe(200);

    // OIDC sign-in as an administrator: the client secret goes to the provider's token endpoint.
    const start = await fetch(`${origin}/logga-in/oidc`, { redirect: 'manual' });
    expect(start.status).toBe(303);
    const preLogin = sessionCookie(start)!;
    const back = new URL(
      provider.authorize(start.headers.get('location')!, {
        sub: 'entra-oid-adam',
        name: 'Adam Admin',
        groups: ['grp-admins'],
      }),
    );
    issued.push(preLogin.split('=')[1]!, back.searchParams.get('code')!, back.searchParams.get('state')!);
    const callback = await fetch(`${origin}${back.pathname}${back.search}`, {
      redirect: 'manual',
      headers: { cookie: preLogin },
    });
    expect(callback.status).toBe(303);
    const admin = sessionCookie(callback)!;
    issued.push(admin.split('=')[1]!);
    const me = (await (await fetch(`${origin}/api/me`, { headers: { cookie: admin } })).json()) as {
      user: { role: string };
      csrfToken: string;
    };
    expect(me.user.role).toBe('admin');
    issued.push(me.csrfToken);

    // An API token, created by the administrator and used.
    const created = await fetch(`${origin}/api/users/demo/tokens`, {
      method: 'POST',
      headers: { cookie: admin, origin, 'x-csrf-token': me.csrfToken, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'loggtest' }),
    });
    expect(created.status).toBe(201);
    const token = ((await created.json()) as { token: string }).token;
    issued.push(token);
    expect(
      (await fetch(`${origin}/api/candidates`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(200);
    // /metrics with its token over HTTP Basic, as a scraper sends it.
    const basic = Buffer.from(`prometheus:${SECRETS.metrics}`).toString('base64');
    expect((await fetch(`${origin}/metrics`, { headers: { authorization: `Basic ${basic}` } })).status).toBe(
      200,
    );

    // What the demo's alerts issued: webhook signing secrets, unsubscribe tokens, feed tokens.
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      const rows = await client.query<{ webhook_secret: string | null; unsubscribe_token: string }>(
        'select webhook_secret, unsubscribe_token from horisont_demo.subscriptions',
      );
      expect(rows.rows.some((row) => row.webhook_secret !== null)).toBe(true);
      for (const row of rows.rows) {
        issued.push(...[row.webhook_secret, row.unsubscribe_token].filter((secret) => secret !== null));
      }
    } finally {
      await client.end();
    }
    const feedTokens = [...stdout.matchAll(/\/feeds\/([\w-]{16,})\.atom/g)].map((match) => match[1]!);
    expect(feedTokens.length).toBeGreaterThan(0);
    issued.push(...feedTokens);

    // E-mail through SMTP with its password: a test message to each e-mail subscription, once
    // refused for a wrong password, then the outbox's digests flushed.
    const client2 = new pg.Client({ connectionString: server.url });
    await client2.connect();
    const emailSubscriptions = (
      await client2.query<{ id: string }>(
        "select id from horisont_demo.subscriptions where channel like 'email%' order by name",
      )
    ).rows;
    await client2.end();
    expect(emailSubscriptions.length).toBeGreaterThan(0);
    const smtpUrl = (password: string) => `smtp://horisont:${password}@127.0.0.1:${smtpPort}`;
    const refused = await horisont(['subscriptions', 'test', emailSubscriptions[0]!.id], {
      HORISONT_SMTP_URL: smtpUrl(SECRETS.wrongPassword),
    });
    expect(refused.code).toBe(1);
    for (const { id } of emailSubscriptions) {
      const sent = await horisont(['subscriptions', 'test', id], {
        HORISONT_SMTP_URL: smtpUrl(SECRETS.smtp),
      });
      expect(sent.code).toBe(0);
    }
    const delivered = await horisont(['subscriptions', 'deliver', '--flush-digests'], {
      HORISONT_SMTP_URL: smtpUrl(SECRETS.smtp),
    });
    expect(delivered.code).toBe(0);
    expect(smtpLogins.filter((login) => !login.accepted)).toHaveLength(1);
    expect(smtpLogins.filter((login) => login.accepted).length).toBeGreaterThanOrEqual(
      emailSubscriptions.length,
    );
    expect(mailed.length).toBeGreaterThanOrEqual(emailSubscriptions.length);

    demo.kill('SIGINT');
    await new Promise((resolve) => demo.once('exit', resolve));

    const lines = stderr.split('\n').filter((line) => line.startsWith('{'));
    expect(lines.length).toBeGreaterThan(100);
    const secrets = [...Object.values(SECRETS), ...issued];
    const forms = secrets.flatMap((secret) => [
      secret,
      encodeURIComponent(secret),
      Buffer.from(`horisont-web:${secret}`).toString('base64'),
      Buffer.from(`prometheus:${secret}`).toString('base64'),
      // SMTP AUTH PLAIN and AUTH LOGIN.
      Buffer.from(`\0horisont\0${secret}`).toString('base64'),
      Buffer.from(secret).toString('base64'),
    ]);
    const leaks = forms.filter((form) => stderr.includes(form));
    expect(leaks).toEqual([]);
    console.info(
      `secrets: ${secrets.length} secrets in ${forms.length} forms, ${lines.length} log lines, none found; ${mailed.length} e-mails sent over SMTP after ${smtpLogins.length} logins (${smtpLogins.filter((login) => !login.accepted).length} refused)`,
    );
  });
});
