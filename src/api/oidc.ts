import { z } from 'zod';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { JSONWebKeySet, JWTPayload } from 'jose';
import type { Role } from '../store/users.js';
import { ROLES } from '../store/users.js';

/**
 * OpenID Connect sign-in (Microsoft Entra ID, Inera's IdP for SITHS, a region's own IdP),
 * configured per region: issuer, client, which claim identifies the person and which carries
 * the roles, and how the provider's role names map to ours.
 */
export const OidcConfig = z.object({
  /** Tenant-specific issuer, e.g. `https://login.microsoftonline.com/<tenant>/v2.0` (never `common`). */
  issuer: z.url({ protocol: /^https$/ }).refine((v) => !/\/(common|organizations|consumers)\//.test(v), {
    message: 'use the tenant-specific issuer, not common/organizations/consumers',
  }),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1).optional(),
  redirectUri: z.url({ protocol: /^https?$/ }),
  scopes: z.array(z.string().min(1)).default(['openid', 'profile']),
  /** Entra app roles arrive in `roles`. */
  rolesClaim: z.string().min(1).default('roles'),
  /** Entra `oid`, or an HSA-id claim for SITHS. */
  usernameClaim: z.string().min(1).default('oid'),
  nameClaim: z.string().min(1).default('name'),
  /** Provider role value → Horisont role; a person with none of them is refused. */
  roleMap: z
    .record(z.string(), z.enum(ROLES))
    .refine((m) => Object.keys(m).length > 0, 'map at least one role'),
});
export type OidcConfig = z.infer<typeof OidcConfig>;

/** Reads `HORISONT_OIDC_*`; undefined when no issuer is configured. */
export function oidcConfigFromEnv(env: NodeJS.ProcessEnv): OidcConfig | undefined {
  if (!env.HORISONT_OIDC_ISSUER) return undefined;
  const roleMap = Object.fromEntries(
    (env.HORISONT_OIDC_ROLE_MAP ?? '')
      .split(',')
      .map((pair) => pair.split('=').map((s) => s.trim()))
      .filter((pair) => pair.length === 2 && pair[0] && pair[1]),
  ) as Record<string, string>;
  return OidcConfig.parse({
    issuer: env.HORISONT_OIDC_ISSUER,
    clientId: env.HORISONT_OIDC_CLIENT_ID,
    clientSecret: env.HORISONT_OIDC_CLIENT_SECRET,
    redirectUri: env.HORISONT_OIDC_REDIRECT_URI,
    ...(env.HORISONT_OIDC_SCOPES ? { scopes: env.HORISONT_OIDC_SCOPES.split(/[ ,]+/).filter(Boolean) } : {}),
    ...(env.HORISONT_OIDC_ROLES_CLAIM ? { rolesClaim: env.HORISONT_OIDC_ROLES_CLAIM } : {}),
    ...(env.HORISONT_OIDC_USERNAME_CLAIM ? { usernameClaim: env.HORISONT_OIDC_USERNAME_CLAIM } : {}),
    ...(env.HORISONT_OIDC_NAME_CLAIM ? { nameClaim: env.HORISONT_OIDC_NAME_CLAIM } : {}),
    roleMap,
  });
}

export class OidcRejected extends Error {
  constructor(readonly reason: string) {
    super(`oidc: ${reason}`);
    this.name = 'OidcRejected';
  }
}

export interface OidcIdentity {
  username: string;
  displayName: string;
  role: Role;
  subject: string;
}

/**
 * Validates an ID token against the provider's keys: signature (asymmetric algorithms only, so
 * `alg: none` and HMAC confusion are refused), `iss`, `aud`, `exp`/`nbf` and the `nonce` sent
 * with the authorization request. Then maps the roles claim to the highest Horisont role.
 */
export async function verifyIdToken(
  config: OidcConfig,
  jwks: JSONWebKeySet,
  idToken: string,
  expectedNonce: string,
  now?: Date,
): Promise<OidcIdentity> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, createLocalJWKSet(jwks), {
      issuer: config.issuer,
      audience: config.clientId,
      algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
      requiredClaims: ['exp', 'iat', 'sub', 'nonce'],
      clockTolerance: 60,
      ...(now ? { currentDate: now } : {}),
    }));
  } catch (error) {
    throw new OidcRejected(error instanceof Error ? error.message : 'invalid id token');
  }
  if (payload.nonce !== expectedNonce) throw new OidcRejected('nonce mismatch');
  const subject = payload[config.usernameClaim];
  if (typeof subject !== 'string' || subject === '') {
    throw new OidcRejected(`missing ${config.usernameClaim} claim`);
  }
  const claimed = payload[config.rolesClaim];
  const values = Array.isArray(claimed) ? claimed.filter((v): v is string => typeof v === 'string') : [];
  const mapped = values.map((v) => config.roleMap[v]).filter((r): r is Role => r !== undefined);
  if (mapped.length === 0) throw new OidcRejected('no mapped role');
  const role = mapped.reduce((best, r) => (ROLES.indexOf(r) > ROLES.indexOf(best) ? r : best));
  const name = payload[config.nameClaim];
  return {
    username: `oidc:${subject}`.slice(0, 200),
    displayName: typeof name === 'string' && name.trim() !== '' ? name.trim().slice(0, 200) : subject,
    role,
    subject,
  };
}
