import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';

/** Who signs in at the provider, and what the test wants wrong with the token it gets. */
export interface ProviderLogin {
  sub: string;
  name: string;
  groups: string[];
}

export interface TokenTampering {
  nonce?: string;
  audience?: string;
  /** Seconds from now (negative: already expired). */
  expiresIn?: number;
  issuer?: string;
  /** Sign with a key the JWKS does not publish. */
  foreignKey?: boolean;
}

export interface TokenRequest {
  grantType: string | null;
  codeVerifier: string | null;
  clientAuth: 'basic' | 'post' | 'none';
}

export interface OidcProvider {
  issuer: string;
  /** `127.0.0.1:<port>` for the HTTP client's allowlist. */
  host: string;
  /** The provider's self-signed certificate, for the HTTP client to trust. */
  ca: string;
  /** Plays the person at the provider's login page: the URL the provider redirects back to. */
  authorize(authorizationUrl: string, login: ProviderLogin): string;
  /** Applied to the next token issued, then cleared. */
  tamperNextToken(tampering: TokenTampering): void;
  tokenRequests: TokenRequest[];
  close(): Promise<void>;
}

interface Grant {
  login: ProviderLogin;
  nonce: string;
  challenge: string;
  redirectUri: string;
}

/**
 * A small OpenID provider on 127.0.0.1 over HTTPS, with its own signing keys (jose) and a
 * self-signed certificate (openssl): discovery, JWKS and a token endpoint that checks the client
 * secret, the redirect URI, single use of each code and the PKCE verifier against its S256
 * challenge, as Entra ID does.
 */
export async function startOidcProvider(options: {
  clientId: string;
  clientSecret: string;
}): Promise<OidcProvider> {
  const dir = mkdtempSync(join(tmpdir(), 'horisont-oidc-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const key = readFileSync(join(dir, 'key.pem'));
  const cert = readFileSync(join(dir, 'cert.pem'));
  rmSync(dir, { recursive: true, force: true });

  const signing = await generateKeyPair('RS256');
  const foreign = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(signing.publicKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  const grants = new Map<string, Grant>();
  const tokenRequests: TokenRequest[] = [];
  let tampering: TokenTampering = {};
  let issuer = '';

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const token = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const form = new URLSearchParams(raw);
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [basicId, basicSecret] = basic
      ? Buffer.from(basic, 'base64').toString('utf8').split(':').map(decodeURIComponent)
      : [];
    tokenRequests.push({
      grantType: form.get('grant_type'),
      codeVerifier: form.get('code_verifier'),
      clientAuth: basic ? 'basic' : form.has('client_secret') ? 'post' : 'none',
    });
    const clientId = basicId ?? form.get('client_id');
    const secret = basicSecret ?? form.get('client_secret');
    if (clientId !== options.clientId || secret !== options.clientSecret) {
      return json(res, 401, { error: 'invalid_client' });
    }
    const code = form.get('code') ?? '';
    const grant = grants.get(code);
    grants.delete(code);
    const verifier = form.get('code_verifier') ?? '';
    if (
      form.get('grant_type') !== 'authorization_code' ||
      !grant ||
      grant.redirectUri !== form.get('redirect_uri') ||
      createHash('sha256').update(verifier).digest('base64url') !== grant.challenge
    ) {
      return json(res, 400, { error: 'invalid_grant' });
    }
    const t = tampering;
    tampering = {};
    const idToken = await new SignJWT({
      nonce: t.nonce ?? grant.nonce,
      name: grant.login.name,
      groups: grant.login.groups,
    })
      .setProtectedHeader({ alg: 'RS256', kid: t.foreignKey ? 'unknown-key' : 'test-key-1' })
      .setIssuer(t.issuer ?? issuer)
      .setAudience(t.audience ?? options.clientId)
      .setSubject(grant.login.sub)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + (t.expiresIn ?? 300))
      .sign(t.foreignKey ? foreign.privateKey : signing.privateKey);
    return json(res, 200, {
      token_type: 'Bearer',
      id_token: idToken,
      access_token: 'opaque',
      expires_in: 300,
    });
  };

  const server = https.createServer({ key, cert }, (req, res) => {
    const path = new URL(req.url ?? '/', issuer).pathname;
    if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/keys`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      });
    }
    if (req.method === 'GET' && path === '/keys') return json(res, 200, { keys: [jwk] });
    if (req.method === 'POST' && path === '/token') {
      token(req, res).catch(() => json(res, 500, { error: 'server_error' }));
      return undefined;
    }
    return json(res, 404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  issuer = `https://127.0.0.1:${port}`;

  return {
    issuer,
    host: `127.0.0.1:${port}`,
    ca: cert.toString('utf8'),
    tokenRequests,
    authorize(authorizationUrl, login) {
      const url = new URL(authorizationUrl);
      const p = url.searchParams;
      if (
        `${url.origin}${url.pathname}` !== `${issuer}/authorize` ||
        p.get('response_type') !== 'code' ||
        p.get('client_id') !== options.clientId ||
        p.get('code_challenge_method') !== 'S256' ||
        !p.get('code_challenge') ||
        !p.get('nonce') ||
        !p.get('state') ||
        !(p.get('scope') ?? '').split(' ').includes('openid')
      ) {
        throw new Error(`the provider refuses this authorization request: ${authorizationUrl}`);
      }
      const code = randomBytes(16).toString('base64url');
      grants.set(code, {
        login,
        nonce: p.get('nonce')!,
        challenge: p.get('code_challenge')!,
        redirectUri: p.get('redirect_uri')!,
      });
      const back = new URL(p.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', p.get('state')!);
      return back.href;
    },
    tamperNextToken(next) {
      tampering = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
