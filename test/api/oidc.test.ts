import { describe, expect, it } from 'vitest';
import { SignJWT, exportJWK, generateKeyPair, UnsecuredJWT } from 'jose';
import type { JSONWebKeySet } from 'jose';
import { OidcConfig, OidcRejected, verifyIdToken } from '../../src/api/oidc.js';

// The ID-token half of OIDC sign-in, against tokens signed here with jose (a loopback issuer).
const ISSUER = 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0';
const config = OidcConfig.parse({
  issuer: ISSUER,
  clientId: 'horisont-web',
  redirectUri: 'https://horisont.example.se/logga-in/oidc/callback',
  roleMap: { 'Horisont.Reviewer': 'reviewer', 'Horisont.Admin': 'admin', 'Horisont.Viewer': 'viewer' },
});

const { privateKey, publicKey } = await generateKeyPair('RS256');
const other = await generateKeyPair('RS256');
const jwks: JSONWebKeySet = {
  keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }],
};

function token(
  claims: Record<string, unknown> = {},
  options: { key?: Parameters<SignJWT['sign']>[0]; kid?: string; exp?: string } = {},
) {
  return new SignJWT({
    nonce: 'n-123',
    oid: 'aaaa-bbbb',
    name: 'Greta Granskare',
    roles: ['Horisont.Reviewer'],
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'k1' })
    .setIssuer(ISSUER)
    .setAudience('horisont-web')
    .setSubject('sub-1')
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '5m')
    .sign(options.key ?? privateKey);
}

describe('OIDC ID-token validation', () => {
  it('accepts a valid token and maps the highest role', async () => {
    const identity = await verifyIdToken(
      config,
      jwks,
      await token({ roles: ['Horisont.Viewer', 'Horisont.Admin'] }),
      'n-123',
    );
    expect(identity).toEqual({
      username: 'oidc:aaaa-bbbb',
      displayName: 'Greta Granskare',
      role: 'admin',
      subject: 'aaaa-bbbb',
    });
  });

  it.each([
    [
      'wrong issuer',
      async () =>
        new SignJWT({ nonce: 'n-123', oid: 'x', roles: ['Horisont.Reviewer'] })
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
          .setIssuer('https://login.microsoftonline.com/common/v2.0')
          .setAudience('horisont-web')
          .setIssuedAt()
          .setSubject('s')
          .setExpirationTime('5m')
          .sign(privateKey),
    ],
    [
      'wrong audience',
      async () =>
        new SignJWT({ nonce: 'n-123', oid: 'x', roles: ['Horisont.Reviewer'] })
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
          .setIssuer(ISSUER)
          .setAudience('someone-else')
          .setIssuedAt()
          .setSubject('s')
          .setExpirationTime('5m')
          .sign(privateKey),
    ],
    ['expired', () => token({}, { exp: '-10m' })],
    ['replayed or wrong nonce', () => token({ nonce: 'other' })],
    ['unknown key id', () => token({}, { kid: 'k9' })],
    ['signed by another key', () => token({}, { key: other.privateKey })],
    [
      'alg none',
      () =>
        Promise.resolve(
          new UnsecuredJWT({ nonce: 'n-123', oid: 'x', roles: ['Horisont.Admin'] })
            .setIssuer(ISSUER)
            .setAudience('horisont-web')
            .setIssuedAt()
            .setSubject('s')
            .setExpirationTime('5m')
            .encode(),
        ),
    ],
    ['no mapped role', () => token({ roles: ['Something.Else'] })],
    ['no subject claim', () => token({ oid: undefined })],
  ])('refuses: %s', async (_name, make) => {
    await expect(verifyIdToken(config, jwks, await make(), 'n-123')).rejects.toBeInstanceOf(OidcRejected);
  });

  it('refuses a multi-tenant issuer in the configuration', () => {
    expect(() =>
      OidcConfig.parse({ ...config, issuer: 'https://login.microsoftonline.com/common/v2.0' }),
    ).toThrow(/tenant-specific/);
  });
});
