import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

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
    /** TOTP secret, AES-GCM encrypted; present while MFA is pending or enabled. */
    mfaSecret: text('mfa_secret'),
    /** The last TOTP time step accepted: steps at or below it are replays. */
    mfaLastStep: integer('mfa_last_step'),
    /**
     * Bumped when credentials or factors change (reset, change, MFA on, suspension). A session
     * records the stamp its sign-in read and dies once they differ: this also ends a sign-in that
     * was in flight while the password was reset, which a revocation sweep alone would miss.
     */
    securityStamp: integer('security_stamp').notNull().default(0),
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
    rememberMe: flag('remember_me'),
    /** How the sign-in authenticated (`password`, `mfa`, `oauth`, `passkey`, `lti`), like OIDC's `amr`. */
    amr: text('amr', { mode: 'json' }).$type<AuthMethod[]>().notNull().default(sql`'["password"]'`),
    /** The user's security stamp when this session's credentials were checked. */
    securityStamp: integer('security_stamp').notNull().default(0),
    /** The last time this session proved a credential (sign-in or re-authentication). */
    authenticatedAt: timestamp('authenticated_at'),
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
    index('sessions_user_idx').on(t.userId, t.revokedAt, t.expiresAt),
    index('sessions_expires_idx').on(t.expiresAt),
  ],
);

/**
 * Every refresh token a session rotated away (SHA-256 only): presenting any of them again is reuse
 * of a stolen token, and revokes the session.
 */
export const retiredRefreshTokens = sqliteTable(
  'retired_refresh_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    retiredAt: timestamp('retired_at').notNull(),
  },
  (t) => [index('retired_refresh_tokens_session_idx').on(t.sessionId)],
);

export const AUTH_METHODS = ['password', 'mfa', 'oauth', 'passkey', 'lti'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export const TOKEN_PURPOSES = ['email_verification', 'password_reset', 'mfa_login', 'oauth_link_revocation'] as const;
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
    /** What the token is about, when its purpose needs more than the user (never a secret). */
    payload: text('payload', { mode: 'json' }).$type<Record<string, string>>(),
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

/** MFA backup codes, stored as HMAC-SHA-256 with a server secret (never plain SHA-256). */
export const backupCodes = sqliteTable(
  'backup_codes',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    createdAt: timestamp('created_at').notNull(),
    usedAt: timestamp('used_at'),
  },
  (t) => [uniqueIndex('backup_codes_user_hash_unique').on(t.userId, t.codeHash)],
);

export const OAUTH_PROVIDERS = ['GOOGLE', 'GITHUB'] as const;
export type OAuthProvider = (typeof OAUTH_PROVIDERS)[number];

export const oauthAccounts = sqliteTable(
  'oauth_accounts',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    provider: text('provider', { enum: OAUTH_PROVIDERS }).notNull(),
    providerAccountId: text('provider_account_id').notNull(),
    email: text('email'),
    createdAt: timestamp('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('oauth_accounts_provider_account_unique').on(t.provider, t.providerAccountId),
    uniqueIndex('oauth_accounts_user_provider_unique').on(t.userId, t.provider),
  ],
);

/** One row per sign-in attempt, successful or not, with where and what it came from. */
export const loginHistory = sqliteTable(
  'login_history',
  {
    id: id(),
    /** Null when the email matches no account. */
    userId: text('user_id').references(() => users.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    success: integer('success', { mode: 'boolean' }).notNull(),
    failureReason: text('failure_reason'),
    method: text('method').notNull().default('password'),
    sessionId: text('session_id'),
    ipAddress: text('ip_address'),
    userAgent: text('user_agent'),
    device: text('device').notNull().default('Other'),
    browser: text('browser'),
    /** Browser family without version ("Chrome"), what the statistics group by. */
    browserName: text('browser_name'),
    os: text('os'),
    country: text('country'),
    countryCode: text('country_code'),
    city: text('city'),
    region: text('region'),
    latitude: real('latitude'),
    longitude: real('longitude'),
    timezone: text('timezone'),
    suspicious: flag('suspicious'),
    suspiciousReasons: text('suspicious_reasons', { mode: 'json' }).$type<string[]>(),
    createdAt: timestamp('created_at').notNull(),
  },
  (t) => [
    index('login_history_user_time_idx').on(t.userId, t.createdAt),
    index('login_history_time_idx').on(t.createdAt),
  ],
);

// --- login_history_daily (issue 19): per-user daily roll-ups of login_history --------------------
// Part of the user's data (export and erase: deleted with the user by the cascade) and of the
// nightly purge (days past HISTORY_RETENTION_DAYS).

/** What a roll-up counts per key: attempts by device type, browser family and country. */
export interface DailyTallies {
  /** device → attempts */
  d: Record<string, number>;
  /** browser family → attempts */
  b: Record<string, number>;
  /** country → attempts */
  c: Record<string, number>;
}

/**
 * One row per user and UTC day with attempts: written in the same batch as each history row, so
 * login-statistics/ reads at most one row per day asked instead of every attempt.
 */
export const loginHistoryDaily = sqliteTable(
  'login_history_daily',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Days since 1970-01-01 UTC (created_at ÷ 86,400,000, rounded down). */
    day: integer('day').notNull(),
    attempts: integer('attempts').notNull(),
    successes: integer('successes').notNull(),
    tallies: text('tallies', { mode: 'json' }).$type<DailyTallies>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.day] }), index('login_history_daily_day_idx').on(t.day)],
);
// --- end login_history_daily ----------------------------------------------------------------------

export type User = typeof users.$inferSelect;
export type Session = typeof sessions.$inferSelect;
