import { eq } from 'drizzle-orm';
import type { Database } from '../db/client';
import { type Role, type User, users } from '../db/schema';
import type { Locale } from '../email/templates';

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The first supported language of an Accept-Language header, English otherwise. */
export function localeFrom(acceptLanguage: string | undefined): Locale {
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.find((param) => param.trim().startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.trim().slice(2)) || 0 : 1 };
    })
    .filter((entry) => entry.tag && entry.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag === 'fr' || tag.startsWith('fr-')) return 'fr';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return 'en';
}

export async function findUserByEmail(db: Database, email: string): Promise<User | undefined> {
  return db.query.users.findFirst({ where: eq(users.email, normaliseEmail(email)) });
}

export async function findUserById(db: Database, id: string): Promise<User | undefined> {
  return db.query.users.findFirst({ where: eq(users.id, id) });
}

/** The user object of the seed's API. */
export function toPublicUser(user: User) {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    role: user.role,
    is_email_verified: user.isEmailVerified,
    is_active: user.isActive,
    is_suspended: user.isSuspended,
    mfa_enabled: user.mfaEnabled,
    last_login_at: user.lastLoginAt?.toISOString() ?? null,
    created_at: user.createdAt.toISOString(),
  };
}

/**
 * The insert of an account created by a provider or a platform that proved the address (no
 * password, email verified), to batch with what links it; usernames come from `availableUsername`.
 */
export function insertVerifiedUser(
  db: Database,
  account: { id: string; email: string; username: string; locale: Locale; role?: Role },
) {
  const now = new Date();
  return db
    .insert(users)
    .values({
      id: account.id,
      email: normaliseEmail(account.email),
      username: account.username,
      passwordHash: null,
      role: account.role ?? 'STUDENT',
      isEmailVerified: true,
      locale: account.locale,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
}
