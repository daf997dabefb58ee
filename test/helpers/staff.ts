import type { Role } from '../../src/db/schema';
import { json, PASSWORD, post } from './api';
import { userWithMfa } from './mfa';
import { registerVerified, signedInUser, sql } from './users';

/**
 * A signed-in member of staff with `role`. With MFA (the default) the account turns MFA on, then
 * signs in again through the MFA step with a backup code: the admin API wants a session that signed
 * in with a second factor, not merely an account that has one.
 */
export async function staff(role: Role, options: { mfa?: boolean } = {}) {
  if (options.mfa === false) {
    const user = await signedInUser();
    await sql('UPDATE users SET role = ? WHERE id = ?', role, user.id).run();
    return { ...user, role };
  }
  const user = await userWithMfa();
  await sql('UPDATE users SET role = ? WHERE id = ?', role, user.id).run();
  const challenge = await json(await post('login', { email: user.email, password: PASSWORD }));
  const signedIn = await post('login/mfa', { mfa_token: challenge.mfa_token, mfa_code: user.backupCodes[0] });
  if (signedIn.status !== 200) throw new Error(`MFA sign-in failed: ${await signedIn.text()}`);
  const tokens = await json(signedIn);
  // Staff keep one session, the one with the second factor.
  await post('logout', undefined, { token: user.access_token });
  return {
    ...user,
    role,
    access_token: tokens.access_token as string,
    refresh_token: tokens.refresh_token as string,
    backupCodes: user.backupCodes.slice(1),
  };
}

/** A plain account of `role` to act upon. */
export async function account(role: Role = 'STUDENT') {
  const user = await registerVerified();
  await sql('UPDATE users SET role = ? WHERE id = ?', role, user.id).run();
  return { ...user, role };
}
