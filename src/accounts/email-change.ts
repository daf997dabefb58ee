import { and, eq, inArray, isNull, ne } from 'drizzle-orm';
import { audit } from '../audit/log';
import { assertReauthenticated, type ReauthProof } from '../credentials/reauthentication';
import { oneTimeTokens, type Session, type User, users } from '../db/schema';
import { appLink, sendEmail } from '../email/mailer';
import { emailTime } from '../email/templates';
import { ApiError, validationError } from '../errors';
import { failure } from '../failures';
import { carryLockoutOver, consumeRateLimit } from '../guard/guard';
import type { Scope } from '../scope';
import { issueOneTimeToken, redeemOneTimeToken } from '../tokens/one-time-tokens';
import { findUserByEmail, findUserById, normaliseEmail } from './users';

/** The confirmation link's lifetime (the issue: single use, 1 hour). */
export const EMAIL_CHANGE_TTL_SECONDS = 3600;

const taken = () =>
  new ApiError('email_taken', { detail: 'An account with this email already exists', reason: 'address_in_use' });

/**
 * "j•••@school.example": enough for the owner of the old address to recognise the request, not
 * enough to hand a stranger reading that mailbox the new address.
 */
export function maskedEmail(address: string): string {
  const at = address.lastIndexOf('@');
  return `${address.slice(0, Math.min(1, at))}•••${address.slice(at)}`;
}

/**
 * A verified account holds the address for good; an unverified one is only a claim on it (SPEC
 * §11), which the confirmation link, proving the mailbox, overrides.
 */
async function assertAddressFree(scope: Scope, address: string): Promise<User | undefined> {
  const holder = await findUserByEmail(scope.db, address);
  if (holder?.isEmailVerified) throw taken();
  return holder;
}

/**
 * POST me/email/: after the re-authentication (the password, or a current code; a sign-in less than
 * 10 minutes old for accounts without a password), a confirmation link goes to the new address and
 * a notice without it to the current one. Nothing changes until the link is used.
 */
export async function requestEmailChange(
  scope: Scope,
  auth: { user: User; session: Session },
  input: ReauthProof & { new_email: string },
): Promise<void> {
  const { user } = auth;
  const newEmail = normaliseEmail(input.new_email);
  if (newEmail === user.email) {
    throw validationError([{ field: 'new_email', message: 'This is already the email address of the account' }]);
  }
  // Each request mails an address the client chose: bounded per account, before any hashing.
  await consumeRateLimit(scope, 'emailChangePerAccount', user.id);
  await assertReauthenticated(
    scope,
    auth,
    { password: input.password, mfa_code: input.mfa_code },
    'password-less-only',
  );
  // Only after the proof: a stolen access token alone must not learn which addresses have accounts.
  await assertAddressFree(scope, newEmail);
  const token = await issueOneTimeToken(scope.db, user.id, 'email_change', EMAIL_CHANGE_TTL_SECONDS, {
    payload: { new_email: newEmail, old_email: user.email },
  });
  sendEmail(
    scope,
    { email: newEmail, locale: user.locale },
    'email_change_confirm',
    { username: user.username },
    { action: appLink(scope, '/confirm-email-change', token) },
  );
  sendEmail(scope, user, 'email_change_requested', {
    username: user.username,
    time: emailTime(Date.now()),
    new_email: maskedEmail(newEmail),
  });
  audit(scope, 'user.email_change_requested', { userId: user.id, details: { new_email: newEmail } });
}

/**
 * POST me/email/confirm/: the link was opened, so the new mailbox is the user's. The address
 * switches in one transaction with the removal of an unverified claim on it; links sent to the old
 * address (reset, verification) die with it. The lockout follows the account: the new address's
 * counter takes on the old one's state, so a change of address never lifts a lock.
 */
export async function confirmEmailChange(scope: Scope, token: string): Promise<void> {
  const redeemed = await redeemOneTimeToken(scope.db, token, 'email_change');
  const newEmail = redeemed?.payload?.new_email;
  const oldEmail = redeemed?.payload?.old_email;
  const user = redeemed && newEmail && oldEmail ? await findUserById(scope.db, redeemed.userId) : undefined;
  // The address changed meanwhile through another link, or the account awaits its erasure.
  if (!user || !newEmail || user.email !== oldEmail || user.deletionDueAt !== null) {
    throw failure('email_change_link_invalid');
  }
  const claim = await assertAddressFree(scope, newEmail);
  const now = new Date();
  let switched: unknown[];
  try {
    [, switched] = await scope.db.batch([
      scope.db
        .delete(users)
        .where(
          and(inArray(users.id, claim ? [claim.id] : []), eq(users.isEmailVerified, false), ne(users.id, user.id)),
        ),
      scope.db
        .update(users)
        .set({ email: newEmail, isEmailVerified: true, updatedAt: now })
        .where(and(eq(users.id, user.id), eq(users.email, oldEmail)))
        .returning({ id: users.id }),
      scope.db
        .update(oneTimeTokens)
        .set({ usedAt: now })
        .where(
          and(
            eq(oneTimeTokens.userId, user.id),
            inArray(oneTimeTokens.purpose, ['password_reset', 'email_verification']),
            isNull(oneTimeTokens.usedAt),
          ),
        ),
    ]);
  } catch (error) {
    // A verified account took the address between the check and the switch (unique index).
    await assertAddressFree(scope, newEmail);
    throw error;
  }
  if (switched.length === 0) throw failure('email_change_link_invalid');
  await carryLockoutOver(scope, oldEmail, newEmail);
  if (claim) {
    audit(scope, 'user.unverified_claim_removed', { userId: claim.id, details: { replaced_by: user.id } });
  }
  audit(scope, 'user.email_changed', { userId: user.id, details: { old_email: oldEmail, new_email: newEmail } });
}
