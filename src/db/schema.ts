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
    // --- account self-service (issue 17) ---
    /**
     * Set while the account awaits its erasure: sign-in is refused until then, and the nightly job
     * erases the account once this time has passed unless the owner cancelled (accounts/deletion.ts).
     */
    deletionDueAt: timestamp('deletion_due_at'),
    // --- end account self-service ---
    lastLoginAt: timestamp('last_login_at'),
    createdAt: timestamp('created_at').notNull(),
    updatedAt: timestamp('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('users_email_unique').on(t.email),
    uniqueIndex('users_username_unique').on(sql`lower(${t.username})`),
    // Account self-service (issue 17): the nightly erasure finds the due accounts without a scan.
    index('users_deletion_due_idx').on(t.deletionDueAt).where(sql`${t.deletionDueAt} is not null`),
  ],
);

export const sessions = sqliteTable(
  'sessions',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // --- Refresh-token state (issue 15): O(1) per session, whatever the number of rotations. ---
    /**
     * SHA-256 of the live refresh token's secret; no token is ever stored. (Sessions opened before
     * issue 15 hold the SHA-256 of their whole random token until their one upgrade refresh.)
     */
    refreshTokenHash: text('refresh_token_hash').notNull(),
    /** How many times the refresh token was rotated: the live token carries this generation. */
    refreshGeneration: integer('refresh_generation').notNull().default(0),
    /** When the live token replaced its parent: the parent's grace window starts here. */
    refreshedAt: timestamp('refreshed_at'),
    // --- end refresh-token state ---
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

export const AUTH_METHODS = ['password', 'mfa', 'oauth', 'passkey', 'lti'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export const TOKEN_PURPOSES = [
  'email_verification',
  'password_reset',
  'mfa_login',
  'oauth_link_revocation',
  // Account self-service (issue 17): the new address's confirmation, the deletion's cancel link.
  'email_change',
  'account_deletion_cancel',
] as const;
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
    /** Which one, for methods that have several: the LTI platform's name (method `lti`). */
    methodDetail: text('method_detail'),
    suspicious: flag('suspicious'),
    suspiciousReasons: text('suspicious_reasons', { mode: 'json' }).$type<string[]>(),
    createdAt: timestamp('created_at').notNull(),
  },
  (t) => [
    index('login_history_user_time_idx').on(t.userId, t.createdAt),
    index('login_history_time_idx').on(t.createdAt),
  ],
);

// --- Passkeys (issue 16) ---------------------------------------------------------------------

/** A WebAuthn credential of a user: a way to sign in without a password (UV required). */
export const passkeys = sqliteTable(
  'passkeys',
  {
    id: id(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** base64url, as authenticators and browsers name it; unique across the whole service. */
    credentialId: text('credential_id').notNull(),
    /** COSE_Key, base64url. Public: it only verifies signatures. */
    publicKey: text('public_key').notNull(),
    /** The authenticator's signature counter; 0 for those without one (most synced passkeys). */
    counter: integer('counter').notNull().default(0),
    transports: text('transports', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    /** Authenticator model; all zeros when the browser anonymised it. */
    aaguid: text('aaguid').notNull(),
    deviceType: text('device_type', { enum: ['singleDevice', 'multiDevice'] }).notNull(),
    backedUp: flag('backed_up'),
    name: text('name').notNull(),
    createdAt: timestamp('created_at').notNull(),
    lastUsedAt: timestamp('last_used_at'),
  },
  (t) => [uniqueIndex('passkeys_credential_id_unique').on(t.credentialId), index('passkeys_user_idx').on(t.userId)],
);

export const WEBAUTHN_CEREMONIES = ['registration', 'authentication'] as const;

/**
 * Challenges handed to browsers, single use and short-lived, stored as SHA-256 only. A registration
 * challenge belongs to the signed-in user who asked for it; a sign-in challenge to nobody yet.
 */
export const webauthnChallenges = sqliteTable(
  'webauthn_challenges',
  {
    id: id(),
    challengeHash: text('challenge_hash').notNull(),
    ceremony: text('ceremony', { enum: WEBAUTHN_CEREMONIES }).notNull(),
    userId: text('user_id').references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at').notNull(),
    expiresAt: timestamp('expires_at').notNull(),
    usedAt: timestamp('used_at'),
  },
  (t) => [
    uniqueIndex('webauthn_challenges_hash_unique').on(t.challengeHash),
    index('webauthn_challenges_expires_idx').on(t.expiresAt),
  ],
);

export type Passkey = typeof passkeys.$inferSelect;

// --- end of passkeys ---------------------------------------------------------------------------

// ---- LTI 1.3 tool (issue 18) ----------------------------------------------------------------
// Every secret (registration link, state, browser binding, nonce, one-time code) is stored as
// SHA-256 only, like the other single-use tokens.

export const LTI_REGISTRATION_KINDS = ['manual', 'dynamic'] as const;

/** One registration of the tool at a platform: one `client_id` at one issuer. */
export const ltiPlatforms = sqliteTable(
  'lti_platforms',
  {
    id: id(),
    name: text('name').notNull(),
    issuer: text('issuer').notNull(),
    clientId: text('client_id').notNull(),
    deploymentIds: text('deployment_ids', { mode: 'json' }).$type<string[]>().notNull().default([]),
    authorizationEndpoint: text('authorization_endpoint').notNull(),
    jwksUrl: text('jwks_url').notNull(),
    tokenEndpoint: text('token_endpoint'),
    trustsEmails: flag('trusts_emails'),
    /** A role mapping validated by `parseRoleMapping` (lti/roles.ts); null for the defaults. */
    roleMapping: text('role_mapping', { mode: 'json' }).$type<Record<string, string>>(),
    /** Origins allowed to frame the /lti/ pages besides the issuer's and the authorization endpoint's. */
    frameOrigins: text('frame_origins', { mode: 'json' }).$type<string[]>().notNull().default([]),
    registeredVia: text('registered_via', { enum: LTI_REGISTRATION_KINDS }).notNull().default('manual'),
    createdAt: timestamp('created_at').notNull(),
    updatedAt: timestamp('updated_at').notNull(),
  },
  (t) => [uniqueIndex('lti_platforms_issuer_client_unique').on(t.issuer, t.clientId)],
);

/** The one-time links an admin hands an LMS administrator for dynamic registration (1 h, single use). */
export const ltiRegistrationLinks = sqliteTable(
  'lti_registration_links',
  {
    id: id(),
    tokenHash: text('token_hash').notNull(),
    createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at').notNull(),
    expiresAt: timestamp('expires_at').notNull(),
    usedAt: timestamp('used_at'),
    /** The platform the link registered, once used. */
    platformId: text('platform_id').references(() => ltiPlatforms.id, { onDelete: 'set null' }),
  },
  (t) => [
    uniqueIndex('lti_registration_links_hash_unique').on(t.tokenHash),
    index('lti_registration_links_expires_idx').on(t.expiresAt),
  ],
);

/**
 * A login initiation waiting for its launch: the `state` (key) and the `nonce` sent with it, so
 * the launch can burn the state and require that very nonce in its token. Kept server-side
 * because the LMS iframe may carry no cookie of ours; the browser binding is checked when it does.
 */
export const ltiLoginStates = sqliteTable(
  'lti_login_states',
  {
    stateHash: text('state_hash').primaryKey(),
    nonceHash: text('nonce_hash').notNull(),
    /** The value of the partitioned cookie set with the redirect (see lti/browser-binding.ts). */
    bindingHash: text('binding_hash').notNull(),
    platformId: text('platform_id')
      .notNull()
      .references(() => ltiPlatforms.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at').notNull(),
    expiresAt: timestamp('expires_at').notNull(),
    usedAt: timestamp('used_at'),
  },
  (t) => [index('lti_login_states_expires_idx').on(t.expiresAt)],
);

/** Which account a platform's user (`sub`) signs in to. */
export const ltiUserLinks = sqliteTable(
  'lti_user_links',
  {
    id: id(),
    platformId: text('platform_id')
      .notNull()
      .references(() => ltiPlatforms.id, { onDelete: 'cascade' }),
    sub: text('sub').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at').notNull(),
    lastLaunchAt: timestamp('last_launch_at').notNull(),
  },
  (t) => [
    uniqueIndex('lti_user_links_platform_sub_unique').on(t.platformId, t.sub),
    index('lti_user_links_user_idx').on(t.userId),
  ],
);

/** What the SPA learns about the launch when it exchanges its code (no token, no nonce). */
export interface LtiCodeLaunch {
  deploymentId: string;
  context: { id: string; label: string | null; title: string | null } | null;
  resourceLink: { id: string; title: string | null };
  roles: string[];
  custom: Record<string, string>;
}

/** The one-time `lti_code` a launch hands the SPA (60 s, single use). */
export const ltiCodes = sqliteTable(
  'lti_codes',
  {
    codeHash: text('code_hash').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    platformId: text('platform_id')
      .notNull()
      .references(() => ltiPlatforms.id, { onDelete: 'cascade' }),
    launch: text('launch', { mode: 'json' }).$type<LtiCodeLaunch>().notNull(),
    createdAt: timestamp('created_at').notNull(),
    expiresAt: timestamp('expires_at').notNull(),
    usedAt: timestamp('used_at'),
  },
  (t) => [index('lti_codes_expires_idx').on(t.expiresAt)],
);

export type LtiPlatformRow = typeof ltiPlatforms.$inferSelect;
// ---- end of LTI 1.3 tool --------------------------------------------------------------------

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
