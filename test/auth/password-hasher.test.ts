import { describe, expect, it } from 'vitest';
import { PasswordHasher, Semaphore } from '../../src/auth/password-hasher';

describe('PasswordHasher', () => {
  it('bounds concurrent work: never more than the limit in flight', async () => {
    const semaphore = new Semaphore(2);
    let inFlight = 0;
    let peak = 0;
    const task = () =>
      semaphore.run(async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
      });
    await Promise.all(Array.from({ length: 10 }, task));
    expect(peak).toBe(2);
  });

  it('releases its slot when a task fails', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(semaphore.run(async () => 'next')).resolves.toBe('next');
  });

  it('verifies its own hashes, refuses others and malformed strings, and asks to re-hash other parameters', async () => {
    const hasher = new PasswordHasher({ logN: 4, r: 8, p: 1 }, 2);
    const stored = await hasher.hash('Correct-Horse9!');
    expect(await hasher.verify('Correct-Horse9!', stored)).toEqual({ valid: true, needsRehash: false });
    expect(await hasher.verify('correct-horse9!', stored)).toEqual({ valid: false, needsRehash: false });
    expect(await hasher.verify('Correct-Horse9!', '$2b$12$bcrypt-hash')).toEqual({ valid: false, needsRehash: false });
    const tampered = stored.slice(0, -2) + (stored.slice(-2, -1) === 'A' ? 'B' : 'A') + stored.slice(-1);
    expect(await hasher.verify('Correct-Horse9!', tampered)).toMatchObject({ valid: false });
    const stronger = new PasswordHasher({ logN: 5, r: 8, p: 1 }, 2);
    expect(await stronger.verify('Correct-Horse9!', stored)).toEqual({ valid: true, needsRehash: true });
    expect(await hasher.hash('x')).not.toBe(await hasher.hash('x'));
  });
});
