import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { Db, Tx } from './db.js';

export const ROLES = ['viewer', 'reviewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** viewer < reviewer < admin: a role may do everything the roles below it may. */
export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

export const USERNAME = /^[A-Za-z0-9._@:+-]{2,200}$/;

export interface User {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  authSource: 'local' | 'oidc';
  disabled: boolean;
  createdAt: Date;
}

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  auth_source: 'local' | 'oidc';
  disabled: boolean;
  created_at: Date;
  password_hash: string | null;
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    authSource: row.auth_source,
    disabled: row.disabled,
    createdAt: row.created_at,
  };
}

const USER_COLUMNS = 'id, username, display_name, role, auth_source, disabled, created_at, password_hash';

// --- passwords ------------------------------------------------------------------------------

/**
 * scrypt cost from the OWASP Password Storage Cheat Sheet's equivalent settings (N=2^15, r=8,
 * p=3): 32 MiB per hash rather than 128 MiB, so a burst of sign-ins cannot exhaust memory.
 */
const SCRYPT = { N: 32768, r: 8, p: 3, keylen: 32 } as const;

function scryptAsync(
  password: string,
  salt: Buffer,
  N: number,
  r: number,
  p: number,
  keylen: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keylen, { N, r, p, maxmem: 256 * N * r }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** `scrypt$N$r$p$salt$hash`, base64url; the parameters travel with the hash so they can be raised. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keylen);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > 2 ** 20) return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  const actual = await scryptAsync(password, salt, N, r, p, expected.length);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash of a random password, so failed look-ups of unknown users cost the same time. */
let dummyHash: Promise<string> | undefined;
function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}

export const MIN_PASSWORD_LENGTH = 12;

// --- users ----------------------------------------------------------------------------------

export class UserExistsError extends Error {
  constructor(username: string) {
    super(`user "${username}" already exists`);
    this.name = 'UserExistsError';
  }
}

export async function createUser(
  db: Db | Tx,
  input: {
    username: string;
    displayName?: string;
    role: Role;
    password?: string;
    authSource?: 'local' | 'oidc';
  },
): Promise<User> {
  if (!USERNAME.test(input.username)) {
    throw new Error('username: 2–200 characters of A–Z, a–z, 0–9 and ._@:+-');
  }
  if (input.password !== undefined && input.password.length < MIN_PASSWORD_LENGTH) {
    throw new Error(`password: at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
  const inserted = await db.query<UserRow>(
    `insert into users (username, display_name, role, password_hash, auth_source)
     values ($1, $2, $3, $4, $5)
     on conflict (lower(username)) do nothing
     returning ${USER_COLUMNS}`,
    [
      input.username,
      input.displayName ?? input.username,
      input.role,
      passwordHash,
      input.authSource ?? 'local',
    ],
  );
  const row = inserted.rows[0];
  if (!row) throw new UserExistsError(input.username);
  return toUser(row);
}

export async function findUserByUsername(db: Db | Tx, username: string): Promise<User | undefined> {
  const row = (
    await db.query<UserRow>(`select ${USER_COLUMNS} from users where lower(username) = lower($1)`, [username])
  ).rows[0];
  return row ? toUser(row) : undefined;
}

export async function findUserById(db: Db | Tx, id: string): Promise<User | undefined> {
  const row = (await db.query<UserRow>(`select ${USER_COLUMNS} from users where id = $1`, [id])).rows[0];
  return row ? toUser(row) : undefined;
}

export async function listUsers(db: Db | Tx): Promise<User[]> {
  return (await db.query<UserRow>(`select ${USER_COLUMNS} from users order by lower(username)`)).rows.map(
    toUser,
  );
}

/** The user when the password matches an enabled local account; constant work either way. */
export async function authenticatePassword(
  db: Db,
  username: string,
  password: string,
): Promise<User | undefined> {
  const row = USERNAME.test(username)
    ? (
        await db.query<UserRow>(`select ${USER_COLUMNS} from users where lower(username) = lower($1)`, [
          username,
        ])
      ).rows[0]
    : undefined;
  const hash = row?.password_hash ?? (await dummyPasswordHash());
  const ok = await verifyPassword(password, hash);
  if (!ok || !row || row.disabled || row.password_hash === null) return undefined;
  return toUser(row);
}

/**
 * Finds or creates the account of an OIDC subject; its role and name follow the identity
 * provider's claims at every sign-in. Says whether the account was created and what role it
 * had, so the caller can audit both. A local account of the same name is never taken over.
 */
export async function upsertOidcUser(
  db: Db | Tx,
  input: { username: string; displayName: string; role: Role },
): Promise<{ user: User; created: boolean; previousRole: Role | null }> {
  const row = (
    await db.query<UserRow & { previous_role: Role | null }>(
      `with previous as (select role from users where lower(username) = lower($1))
       insert into users (username, display_name, role, auth_source) values ($1, $2, $3, 'oidc')
       on conflict (lower(username)) do update
         set display_name = excluded.display_name, role = excluded.role, updated_at = now()
         where users.auth_source = 'oidc'
       returning ${USER_COLUMNS}, (select role from previous) as previous_role`,
      [input.username, input.displayName, input.role],
    )
  ).rows[0];
  if (!row) throw new UserExistsError(input.username);
  return { user: toUser(row), created: row.previous_role === null, previousRole: row.previous_role };
}

// --- API tokens -----------------------------------------------------------------------------

export const TOKEN_PREFIX = 'hrs_';

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export interface CreatedToken {
  id: string;
  /** Shown once; only its hash is stored. */
  token: string;
  prefix: string;
}

/**
 * A 256-bit random bearer token. A fast hash is enough at rest because the secret has full
 * entropy (unlike a password, it cannot be guessed from a dictionary).
 */
export async function createApiToken(db: Db | Tx, userId: string, name = ''): Promise<CreatedToken> {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const prefix = token.slice(0, TOKEN_PREFIX.length + 6);
  const row = (
    await db.query<{ id: string }>(
      'insert into api_tokens (user_id, name, token_hash, token_prefix) values ($1, $2, $3, $4) returning id',
      [userId, name, sha256Hex(token), prefix],
    )
  ).rows[0]!;
  return { id: row.id, token, prefix };
}

export async function authenticateToken(db: Db, token: string): Promise<User | undefined> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
  const row = (
    await db.query<UserRow>(
      `update api_tokens t set last_used_at = now()
       from users u
       where t.token_hash = $1 and t.user_id = u.id and t.revoked_at is null
         and (t.expires_at is null or t.expires_at > now()) and not u.disabled
       returning u.id, u.username, u.display_name, u.role, u.auth_source, u.disabled, u.created_at,
                 null::text as password_hash`,
      [sha256Hex(token)],
    )
  ).rows[0];
  return row ? toUser(row) : undefined;
}

// --- sessions -------------------------------------------------------------------------------

export interface SessionLimits {
  /** Signed-in sessions end after this much inactivity… */
  idleMs: number;
  /** …and after this long in any case. */
  absoluteMs: number;
}

export interface Session {
  idHash: string;
  user: User | undefined;
  csrfToken: string;
  pending: Record<string, unknown> | null;
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** A new session (anonymous when `userId` is absent); returns the cookie value. */
export async function createSession(
  db: Db | Tx,
  options: {
    userId?: string;
    authMethod?: 'password' | 'oidc';
    pending?: Record<string, unknown>;
    lifetimeMs: number;
  },
): Promise<{ id: string; csrfToken: string }> {
  const id = randomToken();
  const csrfToken = randomToken();
  await db.query(
    `insert into sessions (id_hash, user_id, csrf_token, auth_method, pending, expires_at)
     values ($1, $2, $3, $4, $5, now() + make_interval(secs => $6::double precision / 1000))`,
    [
      sha256Hex(id),
      options.userId ?? null,
      csrfToken,
      options.authMethod ?? null,
      options.pending ? JSON.stringify(options.pending) : null,
      options.lifetimeMs,
    ],
  );
  return { id, csrfToken };
}

/**
 * The live session for a cookie value, touching its idle timer. An expired, idle or disabled
 * user's session is removed.
 */
export async function loadSession(db: Db, id: string, limits: SessionLimits): Promise<Session | undefined> {
  if (id.length < 20 || id.length > 100) return undefined;
  const idHash = sha256Hex(id);
  const row = (
    await db.query<{
      csrf_token: string;
      pending: Record<string, unknown> | null;
      user_id: string | null;
      alive: boolean;
    }>(
      `select s.csrf_token, s.pending, s.user_id,
              (s.expires_at > now()
               and (s.user_id is null or s.last_seen_at > now() - make_interval(secs => $2::double precision / 1000))
               and coalesce(not u.disabled, true)) as alive
       from sessions s left join users u on u.id = s.user_id
       where s.id_hash = $1`,
      [idHash, limits.idleMs],
    )
  ).rows[0];
  if (!row) return undefined;
  if (!row.alive) {
    await db.query('delete from sessions where id_hash = $1', [idHash]);
    return undefined;
  }
  const user = row.user_id ? await findUserById(db, row.user_id) : undefined;
  if (row.user_id) await db.query('update sessions set last_seen_at = now() where id_hash = $1', [idHash]);
  return { idHash, user, csrfToken: row.csrf_token, pending: row.pending };
}

export async function deleteSession(db: Db | Tx, idHash: string): Promise<void> {
  await db.query('delete from sessions where id_hash = $1', [idHash]);
}

/** Housekeeping: expired sessions are useless and hold personal data. */
export async function deleteExpiredSessions(db: Db): Promise<number> {
  return (await db.query('delete from sessions where expires_at <= now()')).rowCount ?? 0;
}

// --- account management -------------------------------------------------------------------------

/** Enables or disables an account. Sessions and tokens check the flag on every request. */
/** Serialises changes of one account for the rest of the transaction. */
export async function lockUser(tx: Tx, userId: string): Promise<void> {
  await tx.query('select 1 from users where id = $1 for update', [userId]);
}

export async function setUserDisabled(db: Db | Tx, userId: string, disabled: boolean): Promise<void> {
  await db.query('update users set disabled = $2, updated_at = now() where id = $1', [userId, disabled]);
}

export async function setUserRole(db: Db | Tx, userId: string, role: Role): Promise<void> {
  await db.query('update users set role = $2, updated_at = now() where id = $1', [userId, role]);
}

export async function setUserPassword(db: Db | Tx, userId: string, password: string): Promise<void> {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new Error(`password: at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  await db.query('update users set password_hash = $2, updated_at = now() where id = $1', [
    userId,
    await hashPassword(password),
  ]);
}

/** Ends every session of an account (sign-out everywhere); returns how many there were. */
export async function deleteUserSessions(db: Db | Tx, userId: string): Promise<number> {
  return (await db.query('delete from sessions where user_id = $1', [userId])).rowCount ?? 0;
}

/** Enabled administrators other than `exceptUserId`: the last one may not lock everyone out. */
export async function otherActiveAdmins(db: Db | Tx, exceptUserId: string): Promise<number> {
  return (
    await db.query<{ n: number }>(
      `select count(*)::int as n from users where role = 'admin' and not disabled and id <> $1`,
      [exceptUserId],
    )
  ).rows[0]!.n;
}

export interface ApiTokenInfo {
  id: string;
  userId: string;
  username: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** API tokens, newest first; of one account when `userId` is given. Never the secret. */
export async function listApiTokens(db: Db | Tx, userId?: string): Promise<ApiTokenInfo[]> {
  const rows = await db.query<{
    id: string;
    user_id: string;
    username: string;
    name: string;
    token_prefix: string;
    created_at: Date;
    last_used_at: Date | null;
    expires_at: Date | null;
    revoked_at: Date | null;
  }>(
    `select t.id, t.user_id, u.username, t.name, t.token_prefix, t.created_at, t.last_used_at, t.expires_at, t.revoked_at
     from api_tokens t join users u on u.id = t.user_id
     where $1::uuid is null or t.user_id = $1
     order by t.created_at desc, t.id`,
    [userId ?? null],
  );
  return rows.rows.map((r) => ({
    id: r.id,
    userId: r.user_id,
    username: r.username,
    name: r.name,
    prefix: r.token_prefix,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
  }));
}

/** Revokes an account's live tokens (one of them with `tokenId`); returns the ids revoked. */
export async function revokeApiTokens(db: Db | Tx, userId: string, tokenId?: string): Promise<string[]> {
  return (
    await db.query<{ id: string }>(
      `update api_tokens set revoked_at = now()
       where user_id = $1 and revoked_at is null and ($2::uuid is null or id = $2)
       returning id`,
      [userId, tokenId ?? null],
    )
  ).rows.map((r) => r.id);
}
