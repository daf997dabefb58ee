import { and, eq, sql } from 'drizzle-orm';
import { findUserByEmail, localeFrom, normaliseEmail } from '../accounts/users';
import { audit } from '../audit/log';
import { hasherFor } from '../credentials/password-hasher';
import { type User, users } from '../db/schema';
import { appLink, sendEmail } from '../email/mailer';
import { ApiError, validationError } from '../errors';
import { failure } from '../failures';
import { checkNewPassword } from '../passwords/policy';
import type { Scope } from '../scope';
import { consumeOneTimeToken, issueOneTimeToken } from '../tokens/one-time-tokens';

export interface RegistrationInput {
  email: string;
  username: string;
  password: string;
  password_confirm: string;
  role: 'STUDENT' | 'INSTRUCTOR';
}

export async function register(scope: Scope, input: RegistrationInput, acceptLanguage?: string): Promise<User> {
  const problems = await checkNewPassword(scope.config.passwordPolicy, input.password, input.password_confirm, {
    password: 'password',
    confirmation: 'password_confirm',
  });
  if (problems.length > 0) throw validationError(problems, 'The password does not meet the policy');

  const email = normaliseEmail(input.email);
  await assertAvailable(scope, email, input.username);
  const passwordHash = await hasherFor(scope).hash(input.password);
  const now = new Date();
  let user: User | undefined;
  try {
    [user] = await scope.db
      .insert(users)
      .values({
        email,
        username: input.username,
        passwordHash,
        role: input.role,
        locale: localeFrom(acceptLanguage),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
  } catch (error) {
    // A parallel registration took the email or username between the check and the insert.
    await assertAvailable(scope, email, input.username);
    throw error;
  }
  if (!user) throw new Error('insert returned no user');
  audit(scope, 'user.registered', { userId: user.id, details: { role: user.role } });
  await sendVerificationEmail(scope, user);
  return user;
}

async function assertAvailable(scope: Scope, email: string, username: string): Promise<void> {
  const [byEmail, byUsername] = await scope.db.batch([
    scope.db.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1),
    scope.db.select({ id: users.id }).from(users).where(sql`lower(${users.username}) = lower(${username})`).limit(1),
  ]);
  if (byEmail.length > 0) throw new ApiError('email_taken', { detail: 'An account with this email already exists' });
  if (byUsername.length > 0) throw new ApiError('username_taken', { detail: 'This username is already taken' });
}

export async function sendVerificationEmail(scope: Scope, user: User): Promise<void> {
  const token = await issueOneTimeToken(scope.db, user.id, 'email_verification', scope.config.emailVerificationTtl);
  sendEmail(
    scope,
    user,
    'verification',
    { username: user.username },
    { action: appLink(scope, '/verify-email', token), decline: appLink(scope, '/cancel-registration', token) },
  );
}

export async function verifyEmail(scope: Scope, token: string): Promise<void> {
  const userId = await consumeOneTimeToken(scope.db, token, 'email_verification');
  if (!userId) throw failure('verification_link_invalid');
  await scope.db.update(users).set({ isEmailVerified: true, updatedAt: new Date() }).where(eq(users.id, userId));
  audit(scope, 'user.email_verified', { userId });
}

/**
 * "This wasn't me" from the verification email: the account is deleted (with its tokens) while it is
 * still unverified, so the address is free for its owner. A verified account is never deleted here.
 */
export async function declineRegistration(scope: Scope, token: string): Promise<void> {
  const userId = await consumeOneTimeToken(scope.db, token, 'email_verification');
  const [removed] = userId
    ? await scope.db
        .delete(users)
        .where(and(eq(users.id, userId), eq(users.isEmailVerified, false)))
        .returning({ id: users.id })
    : [];
  if (!removed) throw failure('decline_link_invalid');
  audit(scope, 'user.registration_declined', { userId: removed.id });
}

/**
 * Sends a new link when the account exists and is unverified. The caller answers the same either
 * way, and in the same time: the token is written after the response, not before it.
 */
export async function resendVerification(scope: Scope, email: string): Promise<void> {
  const user = await findUserByEmail(scope.db, email);
  if (user && !user.isEmailVerified) scope.defer(sendVerificationEmail(scope, user));
}
