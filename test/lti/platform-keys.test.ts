import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { platformKeys } from '../../src/lti/platform-keys';
import { type FakeLms, fakeLms } from '../helpers/fake-lms';
import { fakeNetwork } from '../helpers/fake-network';

const net = fakeNetwork();
let lms: FakeLms;
let clock: number;
const TTL = 600_000;
const COOLDOWN = 10_000;
const keysWithClock = (timeoutMs = 2_000) =>
  platformKeys({ ttlMs: TTL, refetchCooldownMs: COOLDOWN, timeoutMs, now: () => clock });

beforeEach(async () => {
  net.install();
  lms = await fakeLms(net);
  clock = Date.parse('2030-01-01T00:00:00Z');
});
afterEach(() => net.reset());

const rs256 = (kid = 'lms-key-1') => ({ alg: 'RS256', kid });

describe('platform keys', () => {
  it('fetches the key set once and serves later lookups from the cache', async () => {
    const keys = keysWithClock();
    expect(await keys.keyFor(lms.urls.jwks, rs256())).toMatchObject({ ok: true, alg: 'RS256' });
    clock += TTL - 1;
    expect(await keys.keyFor(lms.urls.jwks, rs256())).toMatchObject({ ok: true });
    expect(await keys.keyFor(lms.urls.jwks, { alg: 'ES256', kid: 'lms-ec-1' })).toMatchObject({
      ok: true,
      alg: 'ES256',
    });
    expect(lms.jwksFetches).toBe(1);
    expect(net.seen[0]?.headers.get('Accept')).toBe('application/json');
  });

  it('fetches the set again once its time to live has passed', async () => {
    const keys = keysWithClock();
    await keys.keyFor(lms.urls.jwks, rs256());
    clock += TTL;
    expect(await keys.keyFor(lms.urls.jwks, rs256())).toMatchObject({ ok: true });
    expect(lms.jwksFetches).toBe(2);
  });

  it('shares one fetch between concurrent lookups', async () => {
    const keys = keysWithClock();
    const results = await Promise.all([1, 2, 3].map(() => keys.keyFor(lms.urls.jwks, rs256())));
    expect(results.every((result) => result.ok)).toBe(true);
    expect(lms.jwksFetches).toBe(1);
  });

  it('follows a key rotated at the platform by refetching on the new kid', async () => {
    const keys = keysWithClock();
    await keys.keyFor(lms.urls.jwks, rs256('lms-key-1'));
    lms.rotateKey();
    clock += COOLDOWN;
    expect(await keys.keyFor(lms.urls.jwks, rs256('lms-key-2'))).toMatchObject({ ok: true });
    expect(lms.jwksFetches).toBe(2);
    // The retired key is gone from the refetched set.
    expect(await keys.keyFor(lms.urls.jwks, rs256('lms-key-1'))).toEqual({
      ok: false,
      reason: 'unknown_kid',
      kid: 'lms-key-1',
    });
  });

  it('refetches only once for an unknown kid, and not again within the cooldown', async () => {
    const keys = keysWithClock();
    await keys.keyFor(lms.urls.jwks, rs256());
    clock += COOLDOWN;
    expect(await keys.keyFor(lms.urls.jwks, rs256('made-up'))).toEqual({
      ok: false,
      reason: 'unknown_kid',
      kid: 'made-up',
    });
    expect(lms.jwksFetches).toBe(2);
    clock += COOLDOWN - 1;
    expect(await keys.keyFor(lms.urls.jwks, rs256('made-up-too'))).toMatchObject({ reason: 'unknown_kid' });
    expect(lms.jwksFetches).toBe(2);
  });

  it('does not refetch for an unknown kid on a set it has just fetched', async () => {
    const keys = keysWithClock();
    expect(await keys.keyFor(lms.urls.jwks, rs256('lms-key-2'))).toMatchObject({ reason: 'unknown_kid' });
    expect(lms.jwksFetches).toBe(1);
  });

  it('finds no key when the kid names a key of another type', async () => {
    const keys = keysWithClock();
    expect(await keys.keyFor(lms.urls.jwks, { alg: 'RS256', kid: 'lms-ec-1' })).toMatchObject({
      reason: 'unknown_kid',
    });
    expect(await keys.keyFor(lms.urls.jwks, { alg: 'ES256', kid: 'lms-key-1' })).toMatchObject({
      reason: 'unknown_kid',
    });
  });

  it('ignores keys published for encryption or for another algorithm', async () => {
    const published = (await (await fetch(lms.urls.jwks)).json()) as { keys: Record<string, unknown>[] };
    const [rsa] = published.keys;
    lms.answers.jwks = {
      status: 200,
      body: { keys: [{ ...rsa, use: 'enc' }, { ...rsa, kid: 'other-alg', alg: 'RS512' }, 'junk', null] },
    };
    const keys = keysWithClock();
    expect(await keys.keyFor(lms.urls.jwks, rs256())).toMatchObject({ reason: 'unknown_kid' });
    expect(await keys.keyFor(lms.urls.jwks, rs256('other-alg'))).toMatchObject({ reason: 'unknown_kid' });
  });

  const refusedAlgorithms: unknown[] = ['none', 'HS256', 'RS512', 'PS256', 'EdDSA', undefined, 7];
  for (const alg of refusedAlgorithms) {
    it(`refuses alg ${String(alg)} without fetching anything`, async () => {
      expect(await keysWithClock().keyFor(lms.urls.jwks, { alg, kid: 'lms-key-1' })).toEqual({
        ok: false,
        reason: 'alg_not_allowed',
        alg: String(alg),
      });
      expect(net.seen).toHaveLength(0);
    });
  }

  it('refuses a header without kid, and a JWKS URL that is not https, without fetching', async () => {
    const keys = keysWithClock();
    expect(await keys.keyFor(lms.urls.jwks, { alg: 'RS256' })).toEqual({ ok: false, reason: 'missing_kid' });
    expect(await keys.keyFor(lms.urls.jwks, { alg: 'RS256', kid: '' })).toEqual({ ok: false, reason: 'missing_kid' });
    expect(await keys.keyFor('http://lms.example/jwks', rs256())).toEqual({ ok: false, reason: 'insecure_jwks_url' });
    expect(net.seen).toHaveLength(0);
  });

  const unavailable: [string, () => void, Record<string, unknown>][] = [
    ['a platform that never answers', () => (lms.answers.jwks = { fail: 'hang' }), { cause: 'timeout' }],
    ['a network failure', () => (lms.answers.jwks = { fail: 'network' }), { cause: 'network' }],
    ['a server error', () => (lms.answers.jwks = { status: 500, text: 'oops' }), { cause: 'http_status', status: 500 }],
    ['a redirect page', () => (lms.answers.jwks = { status: 302, text: '' }), { cause: 'http_status', status: 302 }],
    ['a body that is not JSON', () => (lms.answers.jwks = { status: 200, text: '<html>' }), { cause: 'malformed' }],
    ['JSON without keys', () => (lms.answers.jwks = { status: 200, body: { keys: 'none' } }), { cause: 'malformed' }],
    [
      'an oversized body',
      () => (lms.answers.jwks = { status: 200, text: JSON.stringify({ keys: [], pad: 'x'.repeat(300_000) }) }),
      { cause: 'malformed' },
    ],
  ];
  for (const [name, breakIt, expected] of unavailable) {
    it(`reports ${name} as data`, async () => {
      breakIt();
      const result = await keysWithClock(50).keyFor(lms.urls.jwks, rs256());
      expect(result).toEqual({ ok: false, reason: 'jwks_unavailable', ...expected });
    });
  }

  it('serves no stale keys once the set has expired and cannot be fetched', async () => {
    const keys = keysWithClock();
    await keys.keyFor(lms.urls.jwks, rs256());
    clock += TTL;
    lms.answers.jwks = { status: 503, text: '' };
    expect(await keys.keyFor(lms.urls.jwks, rs256())).toMatchObject({ reason: 'jwks_unavailable', status: 503 });
    lms.answers.jwks = null;
    expect(await keys.keyFor(lms.urls.jwks, rs256())).toMatchObject({ ok: true });
  });

  it('forgets a set on request', async () => {
    const keys = keysWithClock();
    await keys.keyFor(lms.urls.jwks, rs256());
    keys.forget(lms.urls.jwks);
    await keys.keyFor(lms.urls.jwks, rs256());
    expect(lms.jwksFetches).toBe(2);
  });
});
