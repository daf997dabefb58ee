import { Secret, TOTP } from 'otpauth';
import { expect } from 'vitest';
import { json, post } from './api';
import { signedInUser } from './users';

/** What an authenticator app shows for `secret` at `at` (ms), `steps` periods away. */
export function codeAt(secret: string, at: number, steps = 0): string {
  return new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: at + steps * 30_000 });
}

/** A signed-in user who turned MFA on through the API (enable, then verify with a fresh code). */
export async function userWithMfa() {
  const user = await signedInUser();
  const setup = await json(await post('mfa/enable/', undefined, { token: user.access_token }));
  const verified = await post('mfa/verify/', { code: codeAt(setup.secret, Date.now()) }, { token: user.access_token });
  expect(verified.status).toBe(200);
  return { ...user, secret: setup.secret as string, backupCodes: setup.backup_codes as string[] };
}
