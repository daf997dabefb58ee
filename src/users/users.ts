import { eq } from 'drizzle-orm';
import type { Database } from '../db/client';
import { type User, users } from '../db/schema';
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
