import { sql } from 'drizzle-orm';
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const ROLES = [
  'SUPER_ADMIN',
  'ADMIN',
  'MODERATOR',
  'INSTRUCTOR',
  'STUDENT',
  'STUDENT_PREMIUM',
  'TEACHING_ASSISTANT',
  'CONTENT_REVIEWER',
  'SUPPORT',
] as const;
export type Role = (typeof ROLES)[number];

const id = () =>
  text('id')
    .primaryKey()
    .$defaultFn(() => crypto.randomUUID());
const timestamp = (name: string) => integer(name, { mode: 'timestamp_ms' });
const flag = (name: string) => integer(name, { mode: 'boolean' }).notNull().default(false);

export const users = sqliteTable(
  'users',
  {
    id: id(),
    email: text('email').notNull(),
    username: text('username').notNull(),
    /** Null for accounts created through OAuth that never set a password. */
    passwordHash: text('password_hash'),
    role: text('role', { enum: ROLES }).notNull().default('STUDENT'),
    locale: text('locale', { enum: ['en', 'fr'] })
      .notNull()
      .default('en'),
    isEmailVerified: flag('is_email_verified'),
    isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true),
    isSuspended: flag('is_suspended'),
    mfaEnabled: flag('mfa_enabled'),
    lastLoginAt: timestamp('last_login_at'),
    createdAt: timestamp('created_at').notNull(),
    updatedAt: timestamp('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('users_email_unique').on(t.email),
    uniqueIndex('users_username_unique').on(sql`lower(${t.username})`),
  ],
);

export const sessions = sqliteTable(
  'sessions',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** SHA-256 of the live refresh token; the token itself is never stored. */
    refreshTokenHash: text('refresh_token_hash').notNull(),
    /** SHA-256 of the token rotated away last: presenting it again is reuse. */
    previousRefreshTokenHash: text('previous_refresh_token_hash'),
    rememberMe: flag('remember_me'),
    createdAt: timestamp('created_at').notNull(),
    lastUsedAt: timestamp('last_used_at').notNull(),
    expiresAt: timestamp('expires_at').notNull(),
    revokedAt: timestamp('revoked_at'),
    revokedReason: text('revoked_reason'),
    ipAddress: text('ip_address'),
    userAgent: text('user_agent'),
    device: text('device'),
    browser: text('browser'),
    os: text('os'),
    country: text('country'),
    city: text('city'),
    region: text('region'),
    latitude: real('latitude'),
    longitude: real('longitude'),
    timezone: text('timezone'),
  },
  (t) => [
    uniqueIndex('sessions_refresh_token_hash_unique').on(t.refreshTokenHash),
    index('sessions_previous_refresh_token_hash_idx').on(t.previousRefreshTokenHash),
    index('sessions_user_idx').on(t.userId, t.revokedAt, t.expiresAt),
    index('sessions_expires_idx').on(t.expiresAt),
  ],
);

export const TOKEN_PURPOSES = ['email_verification', 'password_reset', 'mfa_login'] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

/** Single-use tokens sent by email or handed out between login steps; stored as SHA-256 only. */
export const oneTimeTokens = sqliteTable(
  'one_time_tokens',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose', { enum: TOKEN_PURPOSES }).notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at').notNull(),
    expiresAt: timestamp('expires_at').notNull(),
    usedAt: timestamp('used_at'),
  },
  (t) => [
    uniqueIndex('one_time_tokens_hash_unique').on(t.tokenHash),
    index('one_time_tokens_user_purpose_idx').on(t.userId, t.purpose),
    index('one_time_tokens_expires_idx').on(t.expiresAt),
  ],
);

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: id(),
    event: text('event').notNull(),
    userId: text('user_id'),
    actorId: text('actor_id'),
    ipAddress: text('ip_address'),
    userAgent: text('user_agent'),
    /** JSON object of non-secret details (ids, reasons, counts). */
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>(),
    createdAt: timestamp('created_at').notNull(),
  },
  (t) => [
    index('audit_log_user_idx').on(t.userId, t.createdAt),
    index('audit_log_actor_idx').on(t.actorId, t.createdAt),
    index('audit_log_event_idx').on(t.event, t.createdAt),
    index('audit_log_created_idx').on(t.createdAt),
  ],
);

export type User = typeof users.$inferSelect;
export type Session = typeof sessions.$inferSelect;
