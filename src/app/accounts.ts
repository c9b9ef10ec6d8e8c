import { randomBytes } from 'node:crypto';
import type { Actor } from '../store/audit.js';
import { appendAudit } from '../store/audit.js';
import type { Db, Tx } from '../store/db.js';
import { lockKey, withTransaction } from '../store/db.js';
import {
  MIN_PASSWORD_LENGTH,
  deleteUserSessions,
  findUserByUsername,
  lockUser,
  otherActiveAdmins,
  revokeApiTokens,
  setUserDisabled,
  setUserPassword,
  setUserRole,
} from '../store/users.js';
import type { Role, User } from '../store/users.js';

/**
 * Account management — disable, enable, role, password, token revocation — in one place for the
 * CLI, the JSON API and the admin page: each change and its audit row commit together. A
 * disabled account's sessions and tokens stop working at the next request (both check the flag).
 */
export type AccountChange =
  | { kind: 'disable' }
  | { kind: 'enable' }
  | { kind: 'role'; role: Role }
  /** Without a password one is generated and returned once. */
  | { kind: 'password'; password?: string | undefined }
  /** One token, or every live token of the account. */
  | { kind: 'revoke-tokens'; tokenId?: string | undefined };

export interface AccountChangeContext {
  /** Who changes it; absent on the command line (the operator of the machine). */
  actor?: Actor | undefined;
  via: 'cli' | 'web' | 'api';
  requestId?: string | undefined;
  ipHash?: string | undefined;
}

export interface AccountChangeResult {
  user: User;
  /** The generated password (shown once) of a reset without one given. */
  password?: string;
  revokedTokens?: string[];
  sessionsEnded?: number;
}

export type AccountErrorCode = 'not_found' | 'last_admin' | 'managed_by_idp' | 'invalid';

/** A refused change, with a Swedish message for the person who asked. */
export class AccountError extends Error {
  constructor(
    readonly code: AccountErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AccountError';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const AUDIT_ACTIONS: Record<AccountChange['kind'], string> = {
  disable: 'user.disable',
  enable: 'user.enable',
  role: 'user.role_change',
  password: 'user.password_reset',
  'revoke-tokens': 'token.revoke',
};

async function ensureAnotherAdmin(tx: Tx, user: User): Promise<void> {
  if (user.role !== 'admin' || user.disabled) return;
  // Two administrators taking each other's rights at once must not both succeed.
  await lockKey(tx, 'users:admins');
  if ((await otherActiveAdmins(tx, user.id)) === 0) {
    throw new AccountError(
      'last_admin',
      `${user.username} är den enda aktiva administratören; utse en till innan kontot stängs av eller byter roll.`,
    );
  }
}

function refuseIdpManaged(user: User, what: string): void {
  if (user.authSource === 'oidc') {
    throw new AccountError(
      'managed_by_idp',
      `${user.username} loggar in med organisationens konto (OIDC): ${what} styrs av identitetsleverantören.`,
    );
  }
}

export async function changeAccount(
  db: Db,
  username: string,
  change: AccountChange,
  context: AccountChangeContext,
): Promise<AccountChangeResult> {
  return withTransaction(db, async (tx) => {
    const user = await findUserByUsername(tx, username);
    if (!user) throw new AccountError('not_found', `Användaren ${username} finns inte.`);
    await lockUser(tx, user.id);
    const result: AccountChangeResult = { user };
    let before: Record<string, unknown> = {};
    let after: Record<string, unknown> = {};
    switch (change.kind) {
      case 'disable':
      case 'enable': {
        const disabled = change.kind === 'disable';
        if (disabled) await ensureAnotherAdmin(tx, user);
        await setUserDisabled(tx, user.id, disabled);
        // The flag already stops them; removing them also frees what they hold.
        if (disabled) result.sessionsEnded = await deleteUserSessions(tx, user.id);
        before = { disabled: user.disabled };
        after = { disabled };
        result.user = { ...user, disabled };
        break;
      }
      case 'role': {
        refuseIdpManaged(user, 'rollen (HORISONT_OIDC_ROLE_MAP)');
        if (change.role !== 'admin') await ensureAnotherAdmin(tx, user);
        await setUserRole(tx, user.id, change.role);
        before = { role: user.role };
        after = { role: change.role };
        result.user = { ...user, role: change.role };
        break;
      }
      case 'password': {
        refuseIdpManaged(user, 'lösenordet');
        const password = change.password ?? randomBytes(15).toString('base64url');
        if (password.length < MIN_PASSWORD_LENGTH) {
          throw new AccountError('invalid', `Lösenordet måste ha minst ${MIN_PASSWORD_LENGTH} tecken.`);
        }
        await setUserPassword(tx, user.id, password);
        // Whoever knew the old password is signed out everywhere.
        result.sessionsEnded = await deleteUserSessions(tx, user.id);
        if (change.password === undefined) result.password = password;
        after = { passwordChanged: true };
        break;
      }
      case 'revoke-tokens': {
        if (change.tokenId !== undefined && !UUID.test(change.tokenId)) {
          throw new AccountError('invalid', `${change.tokenId} är inte ett nyckel-id (uuid).`);
        }
        const revoked = await revokeApiTokens(tx, user.id, change.tokenId);
        if (change.tokenId !== undefined && revoked.length === 0) {
          throw new AccountError(
            'not_found',
            `${user.username} har ingen giltig API-nyckel ${change.tokenId}.`,
          );
        }
        result.revokedTokens = revoked;
        after = { revokedTokens: revoked };
        break;
      }
    }
    await appendAudit(tx, {
      actor: context.actor,
      action: AUDIT_ACTIONS[change.kind],
      subjectType: 'user',
      subjectId: user.id,
      before: Object.keys(before).length > 0 ? { username: user.username, ...before } : undefined,
      after: { username: user.username, ...after },
      details: {
        via: context.via,
        ...(result.sessionsEnded === undefined ? {} : { sessionsEnded: result.sessionsEnded }),
      },
      requestId: context.requestId,
      ipHash: context.ipHash,
    });
    return result;
  });
}
