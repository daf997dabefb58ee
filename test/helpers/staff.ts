import type { Role } from '../../src/db/schema';
import { userWithMfa } from './mfa';
import { registerVerified, signedInUser, sql } from './users';

/** A signed-in member of staff with `role`; with MFA on unless asked otherwise. */
export async function staff(role: Role, options: { mfa?: boolean } = {}) {
  const user = options.mfa === false ? await signedInUser() : await userWithMfa();
  await sql('UPDATE users SET role = ? WHERE id = ?', role, user.id).run();
  return { ...user, role };
}

/** A plain account of `role` to act upon. */
export async function account(role: Role = 'STUDENT') {
  const user = await registerVerified();
  await sql('UPDATE users SET role = ? WHERE id = ?', role, user.id).run();
  return { ...user, role };
}
