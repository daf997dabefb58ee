import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { ltiUserLinks, type OAuthProvider, oauthAccounts, passkeys, type User, users } from '../db/schema';

/**
 * The one owner of the account rules: who may authenticate at all, with which methods, and what
 * removing a method would leave. Every sign-in method (password, providers, passkeys, LTI) asks
 * here, and every removal of a method checks here.
 */

/** Why an account refuses every sign-in whatever the credentials (SPEC §4: 403). */
export type AccountRefusal =
  | 'account_disabled'
  | 'account_suspended'
  | 'account_pending_deletion'
  | 'email_not_verified';

/** The account's own state: null when it may sign in. Checked after the credentials, never before. */
export function signInRefusal(user: User): AccountRefusal | null {
  if (!user.isActive) return 'account_disabled';
  if (user.isSuspended) return 'account_suspended';
  // Until the erasure, only the emailed cancel link brings the account back (accounts/deletion.ts).
  if (user.deletionDueAt !== null) return 'account_pending_deletion';
  if (!user.isEmailVerified) return 'email_not_verified';
  return null;
}

export type SignInMethod =
  | { kind: 'password' }
  | { kind: 'provider'; provider: OAuthProvider }
  | { kind: 'passkey'; id: string; name: string }
  | { kind: 'lti'; platformId: string };

/** Every way the account can sign in today. */
export async function signInMethodsOf(db: Database, user: User): Promise<SignInMethod[]> {
  const [links, keys, platforms] = await db.batch([
    db
      .select({ provider: oauthAccounts.provider })
      .from(oauthAccounts)
      .where(sql`${oauthAccounts.userId} = ${user.id}`),
    db.select({ id: passkeys.id, name: passkeys.name }).from(passkeys).where(sql`${passkeys.userId} = ${user.id}`),
    db
      .select({ platformId: ltiUserLinks.platformId })
      .from(ltiUserLinks)
      .where(sql`${ltiUserLinks.userId} = ${user.id}`),
  ]);
  return [
    ...(user.passwordHash !== null ? [{ kind: 'password' as const }] : []),
    ...links.map((link) => ({ kind: 'provider' as const, provider: link.provider })),
    ...keys.map((key) => ({ kind: 'passkey' as const, id: key.id, name: key.name })),
    ...platforms.map((link) => ({ kind: 'lti' as const, platformId: link.platformId })),
  ];
}

/**
 * How many ways the user has to sign in, as an SQL expression evaluated inside the statement that
 * removes one: `WHERE ... AND signInMethodCount(id) > 1` makes the check and the removal one atomic
 * step, so two parallel removals can never leave an account with none.
 */
export function signInMethodCount(userId: string): SQL {
  return sql`((select count(*) from ${users} where ${users.id} = ${userId} and ${users.passwordHash} is not null)
    + (select count(*) from ${oauthAccounts} where ${oauthAccounts.userId} = ${userId})
    + (select count(*) from ${passkeys} where ${passkeys.userId} = ${userId})
    + (select count(*) from ${ltiUserLinks} where ${ltiUserLinks.userId} = ${userId}))`;
}
