import { z } from '@hono/zod-openapi';
import { and, asc, count, desc, eq, gt, isNull, max } from 'drizzle-orm';
import {
  AUTH_METHODS,
  auditLog,
  backupCodes,
  loginHistory,
  loginHistoryDaily,
  ltiPlatforms,
  ltiUserLinks,
  OAUTH_PROVIDERS,
  oauthAccounts,
  oneTimeTokens,
  passkeys,
  ROLES,
  sessions,
} from '../db/schema';
import {
  EXPORT_FORMAT,
  EXPORT_PAGE_SIZE,
  EXPORT_VERSION,
  type ExportReader,
  type ExportSection,
  pagesOf,
  rowsSection,
  valueSection,
} from './export-stream';

/*
 * GET me/export/: everything the service holds about the user (GDPR art. 15 and 20), section by
 * section, and never a secret: no password hash, TOTP secret, backup code, token or token hash is
 * ever selected into a section. To export a new kind of data, add its section to EXPORT_SECTIONS
 * below: the document, its streaming and its OpenAPI schema all follow from that list.
 */

const time = z.iso.datetime();
const iso = (value: Date | null) => value?.toISOString() ?? null;

const Profile = z.object({
  id: z.uuid(),
  username: z.string(),
  email: z.email(),
  role: z.enum(ROLES),
  locale: z.enum(['en', 'fr']),
  is_email_verified: z.boolean(),
  is_active: z.boolean(),
  is_suspended: z.boolean(),
  has_password: z.boolean(),
  mfa_enabled: z.boolean(),
  last_login_at: time.nullable(),
  created_at: time,
  updated_at: time,
  deletion_due_at: time.nullable(),
  pending_email_change: z
    .object({ new_email: z.email(), requested_at: time, expires_at: time })
    .nullable()
    .openapi({ description: 'A change of address waiting for its confirmation link' }),
});

const profile = valueSection('profile', Profile, async ({ db, user, now }) => {
  const [pending] = await db
    .select({ payload: oneTimeTokens.payload, createdAt: oneTimeTokens.createdAt, expiresAt: oneTimeTokens.expiresAt })
    .from(oneTimeTokens)
    .where(
      and(
        eq(oneTimeTokens.userId, user.id),
        eq(oneTimeTokens.purpose, 'email_change'),
        isNull(oneTimeTokens.usedAt),
        gt(oneTimeTokens.expiresAt, now),
      ),
    )
    .orderBy(desc(oneTimeTokens.createdAt))
    .limit(1);
  const newEmail = pending?.payload?.new_email;
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    role: user.role,
    locale: user.locale,
    is_email_verified: user.isEmailVerified,
    is_active: user.isActive,
    is_suspended: user.isSuspended,
    has_password: user.passwordHash !== null,
    mfa_enabled: user.mfaEnabled,
    last_login_at: iso(user.lastLoginAt),
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
    deletion_due_at: iso(user.deletionDueAt),
    pending_email_change:
      pending && newEmail
        ? {
            new_email: newEmail,
            requested_at: pending.createdAt.toISOString(),
            expires_at: pending.expiresAt.toISOString(),
          }
        : null,
  };
});

const Mfa = z.object({
  enabled: z.boolean(),
  setup_pending: z.boolean().openapi({ description: 'A secret was issued but never confirmed with a code' }),
  backup_codes_remaining: z.number().int(),
  backup_codes_generated_at: time.nullable(),
});

const mfa = valueSection('mfa', Mfa, async ({ db, user }) => {
  const [codes] = await db
    .select({ remaining: count(), generatedAt: max(backupCodes.createdAt) })
    .from(backupCodes)
    .where(and(eq(backupCodes.userId, user.id), isNull(backupCodes.usedAt)));
  return {
    enabled: user.mfaEnabled,
    setup_pending: !user.mfaEnabled && user.mfaSecret !== null,
    backup_codes_remaining: codes?.remaining ?? 0,
    backup_codes_generated_at: iso(codes?.generatedAt ?? null),
  };
});

const LinkedProvider = z.object({
  provider: z.enum(OAUTH_PROVIDERS),
  provider_account_id: z.string(),
  email: z.string().nullable(),
  linked_at: time,
});

const linkedProviders = valueSection('linked_providers', z.array(LinkedProvider), async ({ db, user }) => {
  const links = await db.select().from(oauthAccounts).where(eq(oauthAccounts.userId, user.id));
  return links.map((link) => ({
    provider: link.provider,
    provider_account_id: link.providerAccountId,
    email: link.email,
    linked_at: link.createdAt.toISOString(),
  }));
});

const ExportedPasskey = z.object({
  id: z.uuid(),
  name: z.string(),
  created_at: time,
  last_used_at: time.nullable(),
  backed_up: z.boolean(),
  device_type: z.enum(['singleDevice', 'multiDevice']),
  transports: z.array(z.string()),
});

/** Passkeys' metadata: the public key and credential id are not personal data worth a copy, and stay out. */
const passkeyList = valueSection('passkeys', z.array(ExportedPasskey), async ({ db, user }) => {
  const rows = await db.select().from(passkeys).where(eq(passkeys.userId, user.id));
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    created_at: row.createdAt.toISOString(),
    last_used_at: iso(row.lastUsedAt),
    backed_up: row.backedUp,
    device_type: row.deviceType,
    transports: row.transports,
  }));
});

const LtiLink = z.object({
  platform: z.string().openapi({ description: "The learning platform's name" }),
  issuer: z.string(),
  subject: z.string().openapi({ description: 'Your identifier at that platform' }),
  linked_at: time,
  last_launch_at: time,
});

const ltiLinks = valueSection('lti_links', z.array(LtiLink), async ({ db, user }) => {
  const rows = await db
    .select({ link: ltiUserLinks, platform: { name: ltiPlatforms.name, issuer: ltiPlatforms.issuer } })
    .from(ltiUserLinks)
    .innerJoin(ltiPlatforms, eq(ltiPlatforms.id, ltiUserLinks.platformId))
    .where(eq(ltiUserLinks.userId, user.id));
  return rows.map(({ link, platform }) => ({
    platform: platform.name,
    issuer: platform.issuer,
    subject: link.sub,
    linked_at: link.createdAt.toISOString(),
    last_launch_at: link.lastLaunchAt.toISOString(),
  }));
});

const place = {
  ip_address: z.string().nullable(),
  user_agent: z.string().nullable(),
  device: z.string().nullable(),
  browser: z.string().nullable(),
  os: z.string().nullable(),
  country: z.string().nullable(),
  city: z.string().nullable(),
  region: z.string().nullable(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  timezone: z.string().nullable(),
};

const ExportedSession = z.object({
  id: z.uuid(),
  created_at: time,
  last_used_at: time,
  expires_at: time,
  revoked_at: time.nullable(),
  revoked_reason: z.string().nullable(),
  remember_me: z.boolean(),
  amr: z.array(z.enum(AUTH_METHODS)),
  ...place,
});

const sessionRows = rowsSection('sessions', ExportedSession, ({ db, user }) =>
  pagesOf(db, sessions, eq(sessions.userId, user.id), sessions.createdAt, (session) => ({
    id: session.id,
    created_at: session.createdAt.toISOString(),
    last_used_at: session.lastUsedAt.toISOString(),
    expires_at: session.expiresAt.toISOString(),
    revoked_at: iso(session.revokedAt),
    revoked_reason: session.revokedReason,
    remember_me: session.rememberMe,
    amr: session.amr,
    ip_address: session.ipAddress,
    user_agent: session.userAgent,
    device: session.device,
    browser: session.browser,
    os: session.os,
    country: session.country,
    city: session.city,
    region: session.region,
    latitude: session.latitude,
    longitude: session.longitude,
    timezone: session.timezone,
  })),
);

const ExportedSignIn = z.object({
  id: z.uuid(),
  login_at: time,
  success: z.boolean(),
  failure_reason: z.string().nullable(),
  method: z.string(),
  email: z.string().openapi({ description: 'The address signed in with' }),
  session_id: z.string().nullable(),
  ...place,
  country_code: z.string().nullable(),
  suspicious: z.boolean(),
  suspicious_reasons: z.array(z.string()).nullable(),
});

const loginHistoryRows = rowsSection('login_history', ExportedSignIn, ({ db, user }) =>
  pagesOf(db, loginHistory, eq(loginHistory.userId, user.id), loginHistory.createdAt, (row) => ({
    id: row.id,
    login_at: row.createdAt.toISOString(),
    success: row.success,
    failure_reason: row.failureReason,
    method: row.method,
    email: row.email,
    session_id: row.sessionId,
    ip_address: row.ipAddress,
    user_agent: row.userAgent,
    device: row.device,
    browser: row.browser,
    os: row.os,
    country: row.country,
    country_code: row.countryCode,
    city: row.city,
    region: row.region,
    latitude: row.latitude,
    longitude: row.longitude,
    timezone: row.timezone,
    suspicious: row.suspicious,
    suspicious_reasons: row.suspiciousReasons,
  })),
);

const counts = z.record(z.string(), z.number().int());

const ExportedDailySignIns = z.object({
  date: z.iso.date(),
  attempts: z.number().int(),
  successes: z.number().int(),
  failures: z.number().int(),
  by_device: counts,
  by_browser: counts,
  by_country: counts,
});

/**
 * The daily counts behind login-statistics/ (issue 19). Derived from the sign-ins above, but they
 * may be kept longer than the history (HISTORY_DAILY_RETENTION_DAYS): then they are the only trace
 * of older days, so they are exported too. Keyed by day, not by creation time: paged by day.
 */
async function* dailyRollupPages({ db, user }: ExportReader) {
  let afterDay = Number.MIN_SAFE_INTEGER;
  for (;;) {
    const page = await db
      .select()
      .from(loginHistoryDaily)
      .where(and(eq(loginHistoryDaily.userId, user.id), gt(loginHistoryDaily.day, afterDay)))
      .orderBy(asc(loginHistoryDaily.day))
      .limit(EXPORT_PAGE_SIZE);
    if (page.length > 0) {
      yield page.map((row) => ({
        date: new Date(row.day * 86_400_000).toISOString().slice(0, 10),
        attempts: row.attempts,
        successes: row.successes,
        failures: row.attempts - row.successes,
        by_device: row.tallies.d,
        by_browser: row.tallies.b,
        by_country: row.tallies.c,
      }));
    }
    const last = page.at(-1);
    if (!last || page.length < EXPORT_PAGE_SIZE) return;
    afterDay = last.day;
  }
}

const dailySignInRows = rowsSection('login_daily_counts', ExportedDailySignIns, dailyRollupPages);

const ExportedAuditEntry = z.object({
  id: z.uuid(),
  event: z.string(),
  at: time,
  by: z
    .enum(['self', 'staff', 'system'])
    .openapi({ description: 'Who acted: the user, a member of staff (not named), or the service itself' }),
  ip_address: z.string().nullable(),
  user_agent: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
});

const auditRows = rowsSection('audit_entries', ExportedAuditEntry, ({ db, user }) =>
  pagesOf(db, auditLog, eq(auditLog.userId, user.id), auditLog.createdAt, (entry) => ({
    id: entry.id,
    event: entry.event,
    at: entry.createdAt.toISOString(),
    by:
      entry.actorId === null ? ('system' as const) : entry.actorId === user.id ? ('self' as const) : ('staff' as const),
    ip_address: entry.ipAddress,
    user_agent: entry.userAgent,
    details: entry.details,
  })),
);

/** The document's members, in order. A new kind of data adds its section here. */
export const EXPORT_SECTIONS: readonly ExportSection[] = [
  profile,
  mfa,
  linkedProviders,
  passkeyList,
  ltiLinks,
  sessionRows,
  loginHistoryRows,
  dailySignInRows,
  auditRows,
];

/** The document's shape, for the OpenAPI document and the tests: built from the same list. */
export const AccountExport = z
  .object({
    format: z.literal(EXPORT_FORMAT),
    version: z.literal(EXPORT_VERSION),
    exported_at: time,
    ...Object.fromEntries(
      EXPORT_SECTIONS.map((section) => [
        section.key,
        section.kind === 'value' ? section.schema : z.array(section.item),
      ]),
    ),
  })
  .openapi('AccountExport', {
    description:
      'Everything the service holds about the user, oldest rows first; never a password hash, secret, code or token. Rows sections are arrays with one element per line.',
  });
