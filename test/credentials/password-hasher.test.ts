import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { type HashingService, PasswordHasher } from '../../src/credentials/password-hasher';
import { deriveKey, type ScryptImplementation } from '../../src/credentials/scrypt';
import { json, PASSWORD, post } from '../helpers/api';
import { captureConsole } from '../helpers/mail';
import { registerVerified, sql } from '../helpers/users';

const PARAMS = { logN: 4, r: 8, p: 1 };
const IMPLEMENTATIONS: ScryptImplementation[] = ['noble', 'native'];

/** The real HASHER binding, with its calls counted (it still does all the work). */
function countedService(): HashingService & { calls: number } {
  const counted = {
    calls: 0,
    derive: ((...args: Parameters<HashingService['derive']>) => {
      counted.calls++;
      return env.HASHER!.derive(...args);
    }) as HashingService['derive'],
  };
  return counted;
}

describe('PasswordHasher', () => {
  it('verifies its own hashes, refuses others and malformed strings, and asks to re-hash other parameters', async () => {
    const hasher = new PasswordHasher({ logN: 4, r: 8, p: 1 });
    const stored = await hasher.hash('Correct-Horse9!');
    expect(await hasher.verify('Correct-Horse9!', stored)).toEqual({ valid: true, needsRehash: false });
    expect(await hasher.verify('correct-horse9!', stored)).toEqual({ valid: false, needsRehash: false });
    expect(await hasher.verify('Correct-Horse9!', '$2b$12$bcrypt-hash')).toEqual({ valid: false, needsRehash: false });
    const tampered = stored.slice(0, -2) + (stored.slice(-2, -1) === 'A' ? 'B' : 'A') + stored.slice(-1);
    expect(await hasher.verify('Correct-Horse9!', tampered)).toMatchObject({ valid: false });
    const stronger = new PasswordHasher({ logN: 5, r: 8, p: 1 });
    expect(await stronger.verify('Correct-Horse9!', stored)).toEqual({ valid: true, needsRehash: true });
    expect(await hasher.hash('x')).not.toBe(await hasher.hash('x'));
  });
});

describe('PASSWORD_HASHER: noble and native scrypt', () => {
  it('derive the same key from the same password, salt and cost (the RFC 7914 test vector too)', async () => {
    const salt = new TextEncoder().encode('NaCl');
    const vector = { logN: 10, r: 8, p: 16 };
    const expected = 'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162';
    for (const implementation of IMPLEMENTATIONS) {
      const key = await deriveKey(implementation, 'password', salt, vector);
      expect(Array.from(key, (byte) => byte.toString(16).padStart(2, '0')).join('')).toBe(expected);
    }
  }, 30_000);

  it.each([
    ['noble', 'native'],
    ['native', 'noble'],
  ] as const)('a hash written by %s verifies with %s, and a wrong password does not', async (writer, reader) => {
    const stored = await new PasswordHasher(PARAMS, writer).hash('Correct-Horse9!');
    expect(stored).toMatch(/^\$scrypt\$ln=4,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    const checker = new PasswordHasher(PARAMS, reader);
    expect(await checker.verify('Correct-Horse9!', stored)).toEqual({ valid: true, needsRehash: false });
    expect(await checker.verify('Correct-Horse8!', stored)).toEqual({ valid: false, needsRehash: false });
  });

  it('signs in with either setting over the same stored hash: switching needs no migration', async () => {
    const user = await registerVerified();
    for (const implementation of IMPLEMENTATIONS) {
      const response = await post(
        'login',
        { email: user.email, password: PASSWORD },
        { env: { PASSWORD_HASHER: implementation } },
      );
      expect(response.status).toBe(200);
    }
    await post(
      'login',
      { email: user.email, password: 'Wrong-Password1!' },
      { env: { PASSWORD_HASHER: 'native' } },
    ).then((response) => expect(response.status).toBe(400));
    const changed = await post(
      'register',
      {
        email: `native-${user.email}`,
        username: `n${crypto.randomUUID().slice(0, 8)}`,
        password: PASSWORD,
        password_confirm: PASSWORD,
      },
      { env: { PASSWORD_HASHER: 'native' } },
    );
    expect(changed.status).toBe(201);
    const { password_hash } = (await sql(
      'SELECT password_hash FROM users WHERE id = ?',
      (
        await json(changed)
      ).user.id,
    ).first<{
      password_hash: string;
    }>())!;
    expect(await new PasswordHasher(PARAMS, 'noble').verify(PASSWORD, password_hash)).toMatchObject({ valid: true });
  });

  it('refuses an unknown PASSWORD_HASHER with a clear 503', async () => {
    const response = await post(
      'login',
      { email: 'x@example.com', password: PASSWORD },
      { env: { PASSWORD_HASHER: 'bcrypt' } },
    );
    expect(response.status).toBe(503);
  });

  it('refuses, without computing it, a stored hash whose cost is beyond the configurable bounds', async () => {
    const hasher = new PasswordHasher(PARAMS, 'native');
    const absurd = '$scrypt$ln=30,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    expect(await hasher.verify('x', absurd)).toEqual({ valid: false, needsRehash: false });
  });
});

describe('the password-hashing Worker (HASHER binding)', () => {
  it('derives the keys of every hash, verify and burn, and its hashes verify in-isolate and back', async () => {
    for (const implementation of IMPLEMENTATIONS) {
      const service = countedService();
      const remote = new PasswordHasher(PARAMS, implementation, service);
      const local = new PasswordHasher(PARAMS, implementation);
      const stored = await remote.hash('Correct-Horse9!');
      expect(await local.verify('Correct-Horse9!', stored)).toMatchObject({ valid: true });
      expect(await remote.verify('Correct-Horse9!', await local.hash('Correct-Horse9!'))).toMatchObject({
        valid: true,
      });
      await remote.burn('anything');
      expect(service.calls).toBe(3);
    }
  });

  it('serves login/ when bound, and login/ hashes in the isolate without it', async () => {
    const user = await registerVerified();
    const service = countedService();
    expect((await post('login', { email: user.email, password: PASSWORD }, { env: { HASHER: service } })).status).toBe(
      200,
    );
    expect(service.calls).toBe(1);
    expect(
      (await post('login', { email: user.email, password: PASSWORD }, { env: { HASHER: undefined } })).status,
    ).toBe(200);
  });

  it('refuses to compute parameters out of bounds', async () => {
    expect(await env.HASHER!.derive('noble', 'x', new Uint8Array(16), { logN: 24, r: 8, p: 1 })).toBeNull();
    expect(await env.HASHER!.derive('native', 'x', new Uint8Array(16), { logN: 4, r: 0, p: 1 })).toBeNull();
  });

  it('falls back to hashing in the isolate, and says so, when the Worker cannot be reached', async () => {
    const logs = captureConsole();
    const user = await registerVerified();
    const broken: HashingService = {
      derive: (async () => {
        throw new Error('Service binding target not found');
      }) as unknown as HashingService['derive'],
    };
    expect((await post('login', { email: user.email, password: PASSWORD }, { env: { HASHER: broken } })).status).toBe(
      200,
    );
    expect(logs.lines.some((line) => line.includes('password-hashing worker unreachable'))).toBe(true);
    logs.restore();
  });
});
