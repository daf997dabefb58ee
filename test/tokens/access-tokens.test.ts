import { env } from 'cloudflare:workers';
import {
  base64url,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  SignJWT,
} from 'jose';
import { describe, expect, it } from 'vitest';
import { call, get, json, post, problem } from '../helpers/api';
import { fakeNetwork } from '../helpers/fake-network';
import { signedInUser, sql } from '../helpers/users';

const privateJwk = JSON.parse(env.JWT_PRIVATE_KEY as string) as JWK;
const ourKey = () => importJWK(privateJwk, 'EdDSA');

async function forge(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
  key?: Parameters<SignJWT['sign']>[0],
) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: 'http://localhost:8001', aud: 'learning-platform', iat: now, exp: now + 600, ...claims })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'test-current', typ: 'at+jwt', ...header })
    .sign(key ?? (await ourKey()));
}

describe('access tokens', () => {
  it('are EdDSA JWTs with kid, typ and the documented claims, verifiable through the JWKS', async () => {
    const user = await signedInUser();
    const header = decodeProtectedHeader(user.access_token);
    expect(header).toEqual({ alg: 'EdDSA', kid: 'test-current', typ: 'at+jwt' });
    const claims = decodeJwt(user.access_token);
    expect(claims).toMatchObject({
      iss: 'http://localhost:8001',
      aud: 'learning-platform',
      sub: user.id,
      role: 'STUDENT',
    });
    expect(claims.sid).toMatch(/^[0-9a-f-]{36}$/);
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);

    const { keys } = await json(await call('GET', '/.well-known/jwks.json'));
    const { jwtVerify, createLocalJWKSet } = await import('jose');
    const verified = await jwtVerify(user.access_token, createLocalJWKSet({ keys }), {
      issuer: 'http://localhost:8001',
      audience: 'learning-platform',
    });
    expect(verified.payload.sub).toBe(user.id);
  });

  it('GET me/ returns the user for a valid token', async () => {
    const user = await signedInUser();
    const response = await get('me/', { token: user.access_token });
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ id: user.id, email: user.email, role: 'STUDENT' });
  });

  it('refuses every forged or confused token with the same 401', async () => {
    const user = await signedInUser();
    const claims = decodeJwt(user.access_token);
    const base = { sub: user.id, sid: claims.sid, role: 'STUDENT' };
    const [header, payload, signature] = user.access_token.split('.') as [string, string, string];
    const enc = (value: unknown) => base64url.encode(JSON.stringify(value));
    const foreign = await generateKeyPair('EdDSA');
    const hmacKey = new TextEncoder().encode(
      JSON.stringify(await exportJWK((await generateKeyPair('EdDSA')).publicKey)),
    );
    const publicJwk = { ...privateJwk };
    delete publicJwk.d;

    const cases: Record<string, string> = {
      'no token': '',
      garbage: 'not-a-jwt',
      'alg none': `${enc({ alg: 'none', typ: 'at+jwt', kid: 'test-current' })}.${payload}.`,
      'HS256 with our public key as secret': await new SignJWT(base)
        .setProtectedHeader({ alg: 'HS256', kid: 'test-current', typ: 'at+jwt' })
        .setIssuedAt()
        .setExpirationTime('10m')
        .setIssuer('http://localhost:8001')
        .setAudience('learning-platform')
        .sign(new TextEncoder().encode(JSON.stringify(publicJwk))),
      'HS256 with a random secret': await new SignJWT(base)
        .setProtectedHeader({ alg: 'HS256', kid: 'test-current', typ: 'at+jwt' })
        .sign(hmacKey),
      'foreign key, our kid': await forge(base, {}, foreign.privateKey),
      'foreign kid': await forge(base, { kid: 'https://evil.example/jwks#1' }, foreign.privateKey),
      'no kid': await forge(base, { kid: undefined }),
      'jku header pointing elsewhere': await forge(
        base,
        { jku: 'https://evil.example/jwks.json', kid: 'evil' },
        foreign.privateKey,
      ),
      'MFA token type': await forge(base, { typ: 'mfa+jwt' }),
      'ID token type': await forge(base, { typ: 'JWT' }),
      'wrong issuer': await forge({ ...base, iss: 'https://evil.example' }),
      'wrong audience': await forge({ ...base, aud: 'another-service' }),
      'no exp': await forge({ ...base, exp: undefined }),
      expired: await forge({ ...base, iat: 1_000, exp: 2_000 }),
      'no sid': await forge({ ...base, sid: undefined }),
      'tampered payload': `${header}.${enc({ ...claims, role: 'SUPER_ADMIN' })}.${signature}`,
      'unknown session': await forge({ ...base, sid: crypto.randomUUID() }),
      "another user's session": await forge({ ...base, sub: crypto.randomUUID() }),
    };
    const net = fakeNetwork();
    net.install();
    for (const [name, token] of Object.entries(cases)) {
      const response = await get('me', { headers: token ? { Authorization: `Bearer ${token}` } : {} });
      const body = await problem(response, 401, 'unauthorized').catch((error) => {
        throw new Error(`${name}: ${error.message}`);
      });
      expect(body.detail, name).toMatch(/access token/);
    }
    // No key was ever fetched, whatever jku or kid the tokens named.
    expect(net.seen).toEqual([]);
    net.reset();
    // The genuine token still works: the cases above failed for their own reasons.
    expect((await get('me', { token: user.access_token })).status).toBe(200);
  });

  it('refuses a token whose session was revoked or expired, at once', async () => {
    const expired = await signedInUser();
    const { sid } = decodeJwt(expired.access_token);
    await sql('UPDATE sessions SET expires_at = ? WHERE id = ?', Date.now() - 1, sid).run();
    await problem(await get('me', { token: expired.access_token }), 401, 'unauthorized');
    const revoked = await signedInUser();
    await sql(
      "UPDATE sessions SET revoked_at = ?, revoked_reason = 'revoked_by_user' WHERE id = ?",
      Date.now(),
      decodeJwt(revoked.access_token).sid,
    ).run();
    await problem(await get('me', { token: revoked.access_token }), 401, 'unauthorized');
  });

  it('refuses a token of a user suspended after sign-in', async () => {
    const user = await signedInUser();
    await sql('UPDATE users SET is_suspended = 1 WHERE id = ?', user.id).run();
    await problem(await get('me', { token: user.access_token }), 401, 'unauthorized');
  });

  it('caps the access token at the session end', async () => {
    const user = await signedInUser();
    const short = await post('login', { email: user.email, password: user.password }, { env: { SESSION_TTL: '60' } });
    const { access_token } = await json(short);
    const claims = decodeJwt(access_token);
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(60);
  });
});
