import { and, eq, ne, sql } from 'drizzle-orm';
import { audit } from '../audit/log';
import { type User, users } from '../db/schema';
import type { Locale } from '../email/templates';
import { ApiError } from '../errors';
import type { Scope } from '../scope';

export interface ProfileChanges {
  username?: string;
  locale?: Locale;
}

async function assertUsernameFree(scope: Scope, username: string, ownerId: string): Promise<void> {
  const [taken] = await scope.db
    .select({ id: users.id })
    .from(users)
    .where(and(sql`lower(${users.username}) = lower(${username})`, ne(users.id, ownerId)))
    .limit(1);
  if (taken) throw new ApiError('username_taken', { detail: 'This username is already taken' });
}

/**
 * PATCH me/: the username (unique case-insensitively, as at registration) and the locale, which
 * every later email is written in. Returns the user as it now is.
 */
export async function updateProfile(scope: Scope, user: User, changes: ProfileChanges): Promise<User> {
  const set: { username?: string; locale?: Locale } = {};
  if (changes.username !== undefined && changes.username !== user.username) set.username = changes.username;
  if (changes.locale !== undefined && changes.locale !== user.locale) set.locale = changes.locale;
  const changed = Object.keys(set);
  if (changed.length === 0) return user;
  if (set.username) await assertUsernameFree(scope, set.username, user.id);
  let updated: User | undefined;
  try {
    [updated] = await scope.db
      .update(users)
      .set({ ...set, updatedAt: new Date() })
      .where(eq(users.id, user.id))
      .returning();
  } catch (error) {
    // Someone took the username between the check and the update.
    if (set.username) await assertUsernameFree(scope, set.username, user.id);
    throw error;
  }
  if (!updated) throw new Error('update returned no user');
  // Field names only: the values are personal data the erasure would have to find again.
  audit(scope, 'user.profile_updated', { userId: user.id, details: { changed } });
  return updated;
}
