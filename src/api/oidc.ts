import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { JSONWebKeySet, JWTPayload } from 'jose';
import type { Logger } from 'pino';
import type { Role } from '../store/users.js';
import { ROLES } from '../store/users.js';
import type { HttpClient } from '../fetch/http-client.js';
import { errorKindOf } from '../domain/errors.js';
import { tokensEqual } from './security.js';

/** The one callback path; the configured redirect URI must point at it. */
export const OIDC_CALLBACK_PATH = '/logga-in/oidc/callback';

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
  redirectUri: z.url({ protocol: /^https?$/ }).refine((v) => new URL(v).pathname === OIDC_CALLBACK_PATH, {
    message: `the redirect URI must end in ${OIDC_CALLBACK_PATH}`,
  }),
  scopes: z.array(z.string().min(1)).default(['openid', 'profile']),
  /** Entra app roles arrive in `roles`, security groups (object ids) in `groups`. */
  rolesClaim: z.string().min(1).default('roles'),
  /** Entra `oid`, or an HSA-id claim for SITHS. */
  usernameClaim: z.string().min(1).default('oid'),
  nameClaim: z.string().min(1).default('name'),
  /** Provider role or group value → Horisont role; a person with none of them is refused. */
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
  constructor(
    readonly reason: string,
    /** jose's error code, when the token itself was refused (`ERR_JWT_EXPIRED`, …). */
    readonly code?: string,
  ) {
    super(`oidc: ${reason}`);
    this.name = 'OidcRejected';
  }
}

/** The provider could not be reached or answered nonsense; nothing about the person is known. */
export class OidcUnavailable extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`oidc: ${reason}`, options);
    this.name = 'OidcUnavailable';
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
    const code = (error as { code?: unknown }).code;
    throw new OidcRejected(
      error instanceof Error ? error.message : 'invalid id token',
      typeof code === 'string' ? code : undefined,
    );
  }
  if (typeof payload.nonce !== 'string' || !tokensEqual(payload.nonce, expectedNonce)) {
    throw new OidcRejected('nonce mismatch');
  }
  // OIDC Core §3.1.3.7: with several audiences the token must name us as its authorised party.
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== config.clientId) {
    throw new OidcRejected('azp does not name this client');
  }
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

// --- the authorization-code flow ----------------------------------------------------------------

/** What the provider publishes at `<issuer>/.well-known/openid-configuration` (the parts we use). */
const Discovery = z.object({
  issuer: z.string(),
  authorization_endpoint: z.url({ protocol: /^https$/ }),
  token_endpoint: z.url({ protocol: /^https$/ }),
  jwks_uri: z.url({ protocol: /^https$/ }),
  code_challenge_methods_supported: z.array(z.string()).optional(),
  token_endpoint_auth_methods_supported: z.array(z.string()).optional(),
});
type Discovery = z.infer<typeof Discovery>;

const TokenResponse = z.object({
  id_token: z.string().min(1).max(20_000),
  token_type: z.string().regex(/^bearer$/i),
});

/** The half of a sign-in kept in the browser's pre-login session until the provider sends the person back. */
export const PendingSignIn = z.object({
  state: z.string().min(20),
  nonce: z.string().min(20),
  verifier: z.string().min(43).max(128),
  next: z.string(),
  startedAt: z.number(),
});
export type PendingSignIn = z.infer<typeof PendingSignIn>;

/** A sign-in that has not come back by then is void. */
export const PENDING_MS = 10 * 60_000;
const METADATA_TTL_MS = 60 * 60_000;
/** A token signed with a key we have not seen makes us fetch the keys again, at most this often. */
const JWKS_REFRESH_MS = 60_000;

const b64url = (bytes: Buffer): string => bytes.toString('base64url');

async function fetchJson(http: HttpClient, url: string): Promise<unknown> {
  const outcome = await http.get(url, { accept: 'application/json', robots: false });
  if (outcome.kind !== 'fetched') throw new OidcUnavailable(`unexpected 304 from ${url}`);
  return JSON.parse(outcome.body.toString('utf8')) as unknown;
}

/**
 * OpenID Connect sign-in, authorization-code flow with PKCE (S256), `state` and `nonce`. Every
 * request to the provider (discovery, keys, token) goes through the guarded HTTP client, so the
 * SSRF policy, deadlines and size caps hold for it as for every other outbound request.
 */
export class OidcClient {
  private metadata: { value: Discovery; until: number } | undefined;
  private keys: { value: JSONWebKeySet; at: number } | undefined;

  constructor(
    readonly config: OidcConfig,
    private readonly http: HttpClient,
    private readonly log: Logger,
  ) {}

  private async discover(): Promise<Discovery> {
    if (this.metadata && this.metadata.until > Date.now()) return this.metadata.value;
    const url = `${this.config.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const parsed = Discovery.safeParse(await this.provider(() => fetchJson(this.http, url)));
    if (!parsed.success) throw new OidcUnavailable('discovery document is invalid');
    // OpenID Connect Discovery §4.3: the document must be the issuer's own.
    if (parsed.data.issuer !== this.config.issuer) {
      throw new OidcUnavailable(`discovery names issuer ${parsed.data.issuer}`);
    }
    const methods = parsed.data.code_challenge_methods_supported;
    if (methods !== undefined && !methods.includes('S256')) {
      throw new OidcUnavailable('the provider does not support PKCE with S256');
    }
    this.metadata = { value: parsed.data, until: Date.now() + METADATA_TTL_MS };
    return parsed.data;
  }

  private async jwks(refresh: boolean): Promise<JSONWebKeySet> {
    if (this.keys && !(refresh && Date.now() - this.keys.at > JWKS_REFRESH_MS)) return this.keys.value;
    const { jwks_uri: uri } = await this.discover();
    const value = await this.provider(() => fetchJson(this.http, uri));
    const keys = (value as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys)) throw new OidcUnavailable('JWKS is invalid');
    this.keys = { value: value as JSONWebKeySet, at: Date.now() };
    return this.keys.value;
  }

  /** Network and parse failures of the provider's endpoints become `OidcUnavailable`. */
  private async provider<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  private unavailable(error: unknown): OidcUnavailable {
    if (error instanceof OidcUnavailable) return error;
    const kind = errorKindOf(error);
    this.log.warn(
      { error_kind: kind, err: error instanceof Error ? error.message : String(error) },
      'oidc: provider request failed',
    );
    return new OidcUnavailable(`provider request failed (${kind})`, { cause: error });
  }

  /** Where to send the person, and what to remember until they come back. */
  async start(next: string): Promise<{ url: string; pending: PendingSignIn }> {
    const metadata = await this.discover();
    const pending: PendingSignIn = {
      state: b64url(randomBytes(32)),
      nonce: b64url(randomBytes(32)),
      verifier: b64url(randomBytes(48)),
      next,
      startedAt: Date.now(),
    };
    const url = new URL(metadata.authorization_endpoint);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.config.clientId);
    url.searchParams.set('redirect_uri', this.config.redirectUri);
    url.searchParams.set('scope', [...new Set(['openid', ...this.config.scopes])].join(' '));
    url.searchParams.set('state', pending.state);
    url.searchParams.set('nonce', pending.nonce);
    url.searchParams.set('code_challenge', b64url(createHash('sha256').update(pending.verifier).digest()));
    url.searchParams.set('code_challenge_method', 'S256');
    return { url: url.href, pending };
  }

  /**
   * The provider sent the person back: check the state against the pending sign-in, exchange the
   * code (with the PKCE verifier) for tokens and verify the ID token. Throws `OidcRejected` for
   * anything that must not sign anyone in, `OidcUnavailable` when the provider failed.
   */
  async finish(
    pending: PendingSignIn | undefined,
    params: { code?: string | undefined; state?: string | undefined; error?: string | undefined },
  ): Promise<OidcIdentity> {
    if (!pending) throw new OidcRejected('no sign-in was started in this browser');
    if (Date.now() - pending.startedAt > PENDING_MS) throw new OidcRejected('the sign-in took too long');
    if (!tokensEqual(params.state, pending.state)) throw new OidcRejected('state mismatch');
    if (params.error !== undefined) {
      throw new OidcRejected(`the provider answered ${params.error.replace(/[^\w.-]/g, '').slice(0, 60)}`);
    }
    if (!params.code || params.code.length > 4096) throw new OidcRejected('no authorization code');
    const metadata = await this.discover();
    const idToken = await this.exchange(metadata, params.code, pending.verifier);
    try {
      return await verifyIdToken(this.config, await this.jwks(false), idToken, pending.nonce);
    } catch (error) {
      // Providers roll their signing keys: a key we have not seen is fetched once, then trusted.
      if (error instanceof OidcRejected && error.code === 'ERR_JWKS_NO_MATCHING_KEY') {
        return verifyIdToken(this.config, await this.jwks(true), idToken, pending.nonce);
      }
      throw error;
    }
  }

  private async exchange(metadata: Discovery, code: string, verifier: string): Promise<string> {
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.config.redirectUri,
      code_verifier: verifier,
    });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    const secret = this.config.clientSecret;
    const methods = metadata.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
    if (secret !== undefined && methods.includes('client_secret_basic')) {
      // RFC 6749 §2.3.1: each part form-encoded before Basic.
      const user = encodeURIComponent(this.config.clientId);
      headers.authorization = `Basic ${Buffer.from(`${user}:${encodeURIComponent(secret)}`).toString('base64')}`;
    } else {
      form.set('client_id', this.config.clientId);
      if (secret !== undefined) form.set('client_secret', secret);
    }
    let body: Buffer | undefined;
    try {
      body = (
        await this.http.post(metadata.token_endpoint, { body: form.toString(), headers, readBody: true })
      ).body;
    } catch (error) {
      // A refused code (invalid_grant: reused, expired, wrong verifier) is the person's sign-in
      // failing, not the provider being down.
      if (errorKindOf(error) === 'http-4xx') throw new OidcRejected('the token endpoint refused the code');
      throw this.unavailable(error);
    }
    let json: unknown;
    try {
      json = JSON.parse(body?.toString('utf8') ?? '');
    } catch {
      throw new OidcUnavailable('token response is not JSON');
    }
    const parsed = TokenResponse.safeParse(json);
    if (!parsed.success) throw new OidcUnavailable('token response has no ID token');
    return parsed.data.id_token;
  }
}
