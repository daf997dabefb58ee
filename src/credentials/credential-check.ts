import { audit } from '../audit/log';
import type { User } from '../db/schema';
import { sendEmail } from '../email/mailer';
import { emailTime } from '../email/templates';
import { failure } from '../failures';
import { type LockoutOptions, underLockout } from '../guard/guard';
import type { Scope } from '../scope';
import { hasherFor } from './password-hasher';

function onAccountLocked(scope: Scope, user: User | undefined, email: string, lockedUntil: number): void {
  audit(scope, 'account.locked', {
    userId: user?.id,
    details: { email, locked_until: new Date(lockedUntil).toISOString() },
  });
  if (user) sendEmail(scope, user, 'account_locked', { username: user.username, until: emailTime(lockedUntil) });
}

/**
 * Every credential check (password, MFA code, current password) runs here: under the lockout,
 * and when its failure is the one that locks the account, the owner is emailed and it is audited.
 */
export async function checkUnderLockout<T extends { ok: boolean }>(
  scope: Scope,
  email: string,
  check: () => Promise<T>,
  options: { ownerOf: (result: T) => User | undefined } & Omit<LockoutOptions<T>, 'onSettled'>,
): Promise<T> {
  const { result } = await underLockout(scope, email, check, {
    ...options,
    onSettled: (settled, lockedUntil) => {
      if (lockedUntil) onAccountLocked(scope, options.ownerOf(settled), email, lockedUntil);
    },
  });
  return result;
}

/**
 * Re-checks a signed-in user's password before a sensitive change. A wrong one is 400, not 401
 * (the seed's SPA answers every 401 by refreshing and retrying), and counts towards the lockout.
 */
export async function assertCurrentPassword(scope: Scope, user: User, password: string): Promise<void> {
  const hasher = hasherFor(scope);
  const result = await checkUnderLockout(
    scope,
    user.email,
    async () => ({ ok: user.passwordHash ? (await hasher.verify(password, user.passwordHash)).valid : false }),
    { ownerOf: () => user },
  );
  if (!result.ok) throw failure('current_password_wrong');
}
