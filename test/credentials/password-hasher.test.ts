import { describe, expect, it } from 'vitest';
import { PasswordHasher } from '../../src/credentials/password-hasher';

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
