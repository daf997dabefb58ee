import { z } from 'zod';
import { SCRYPT_IMPLEMENTATIONS } from './credentials/scrypt';
import { ROLES, type Role } from './db/schema';
import { deriveWebAuthnSettings, type WebAuthnSettings } from './passkeys/settings';

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const list = (fallback = '') =>
  z
    .string()
    .default(fallback)
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    );
const csv = list();
/** A rate limit written `count/seconds`, e.g. `60/60` for 60 a minute. */
const rateLimit = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
      if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
        ctx.addIssue({ code: 'custom', message: 'must be "count/seconds", e.g. "60/60"' });
        return z.NEVER;
      }
      return { limit: Number(match[1]), windowSeconds: Number(match[2]) };
    });
const MIN_CLIENT_SECRET = 16;
/** A comma-separated list of role names, each one of the nine. */
const roleList = (fallback: string) =>
  list(fallback).transform((names, ctx) => {
    const unknown = names.filter((name) => !(ROLES as readonly string[]).includes(name));
    if (unknown.length > 0) {
      ctx.addIssue({ code: 'custom', message: `unknown role(s) ${unknown.join(', ')}; roles are ${ROLES.join(', ')}` });
      return z.NEVER;
    }
    return names as Role[];
  });
const jsonJwk = z.string().transform((value, ctx) => {
  try {
    const parsed = JSON.parse(value) as JsonWebKey & { kid?: string };
    if (typeof parsed !== 'object' || parsed === null || !parsed.kty) throw new Error('not a JWK');
    return parsed;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON Web Key (JSON object with "kty")' });
    return z.NEVER;
  }
});

/** `true` or `false`, as wrangler passes every variable (a string). */
const flagVariable = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false'])
    .default(fallback)
    .transform((value) => value === 'true');
/** ≥ 32 random bytes, base64: an HMAC key. */
const hmacKey = z
  .string()
  .refine((value) => base64Length(value) >= 32, { message: 'must be at least 32 random bytes, base64-encoded' });

function base64Length(value: string): number {
  try {
    return atob(value.trim()).length;
  } catch {
    return -1;
  }
}

export const configSchema = z.object({
  APP_URL: z.url(),
  CORS_ORIGINS: csv,
  JWT_PRIVATE_KEY: jsonJwk.refine((jwk) => Boolean(jwk.kid) && 'd' in jwk, {
    message: 'must be a private JWK with a "kid"',
  }),
  JWT_PREVIOUS_PUBLIC_KEY: jsonJwk.optional(),
  /** 32 random bytes, base64: the AES-GCM key for TOTP secrets at rest. */
  SECRET_ENCRYPTION_KEY: z
    .string()
    .refine((value) => base64Length(value) === 32, { message: 'must be 32 random bytes, base64-encoded' }),
  /** 32 random bytes, base64: the HMAC key for backup codes. */
  BACKUP_CODE_PEPPER: z
    .string()
    .refine((value) => base64Length(value) >= 32, { message: 'must be at least 32 random bytes, base64-encoded' }),
  // --- Sessions and refresh tokens (issue 15) ---
  /** The HMAC key that derives each refresh token from its parent and authenticates it. */
  REFRESH_TOKEN_SECRET: hmacKey,
  /** The previous key, during a rotation: sessions opened under it keep refreshing until they end. */
  REFRESH_TOKEN_PREVIOUS_SECRET: hmacKey.optional(),
  REFRESH_REUSE_GRACE: z.coerce.number().int().min(0).max(300).default(30),
  SESSION_IDLE_TTL: z.coerce
    .number()
    .int()
    .min(0)
    .default(7 * 24 * 3600)
    .refine((value) => value === 0 || value >= 300, { message: 'must be 0 (off) or at least 300 seconds' }),
  REFRESH_COOKIE: flagVariable('false'),
  /** Unset: a host-only `__Host-` cookie; set: a `__Secure-` cookie for this domain and its subdomains. */
  REFRESH_COOKIE_DOMAIN: z
    .string()
    .trim()
    .toLowerCase()
    .regex(
      /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
      'must be a domain name like example.com',
    )
    .optional(),
  REFRESH_COOKIE_SAME_SITE: z.enum(['Strict', 'Lax', 'None']).default('Strict'),
  // --- end sessions and refresh tokens ---
  MFA_ISSUER: z.string().min(1).default('Learning Platform'),
  JWT_ISSUER: z.string().min(1).default('auth-service'),
  JWT_AUDIENCE: z.string().min(1).default('learning-platform'),
  ACCESS_TOKEN_TTL: seconds(15 * 60),
  SESSION_TTL: seconds(24 * 3600),
  REMEMBER_ME_TTL: seconds(30 * 24 * 3600),
  EMAIL_VERIFICATION_TTL: seconds(24 * 3600),
  PASSWORD_RESET_TTL: seconds(3600),
  SCRYPT_LOG_N: z.coerce.number().int().min(1).max(20).default(14),
  SCRYPT_R: z.coerce.number().int().min(1).max(32).default(8),
  SCRYPT_P: z.coerce.number().int().min(1).max(16).default(5),
  /** Which scrypt derives the keys: @noble/hashes (as designed) or node:crypto (faster); same strings. */
  PASSWORD_HASHER: z.enum(SCRYPT_IMPLEMENTATIONS).default('noble'),
  LOCKOUT_THRESHOLD: z.coerce.number().int().min(1).max(100).default(5),
  LOCKOUT_DURATION: seconds(30 * 60),
  RATE_LIMIT_LOGIN_IP: rateLimit('60/60'),
  RATE_LIMIT_REGISTER_IP: rateLimit('30/600'),
  RATE_LIMIT_VERIFY_RESEND_EMAIL: rateLimit('5/3600'),
  RATE_LIMIT_RESET_EMAIL: rateLimit('5/3600'),
  RATE_LIMIT_RESET_IP: rateLimit('30/3600'),
  RATE_LIMIT_MFA_ACCOUNT: rateLimit('10/300'),
  RATE_LIMIT_REFRESH_SESSION: rateLimit('60/60'),
  RATE_LIMIT_REFRESH_IP: rateLimit('600/60'),
  RATE_LIMIT_REAUTH_ACCOUNT: rateLimit('10/300'),
  /** Failed sign-ins for emails with no account are recorded (history + audit) up to this per IP. */
  RATE_LIMIT_UNKNOWN_EMAIL_RECORDS_IP: rateLimit('20/3600'),
  MAX_SESSIONS_PER_USER: z.coerce.number().int().min(1).max(1000).default(50),
  EMAIL_TRANSPORT: z.enum(['console', 'memory', 'cloudflare', 'resend']).default('console'),
  RESEND_API_KEY: z.string().min(1).optional(),
  RESEND_API_URL: z.url().default('https://api.resend.com/emails'),
  PASSWORD_MIN_LENGTH: z.coerce.number().int().min(8).max(64).default(8),
  /** `seed`: upper, lower, digit and special character required (the original service's rules). */
  PASSWORD_COMPOSITION: z.enum(['seed', 'none']).default('seed'),
  PASSWORD_REJECT_COMMON: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
  EMAIL_FROM: z.string().min(3).default('Learning Platform <no-reply@localhost>'),
  HISTORY_RETENTION_DAYS: z.coerce.number().int().min(1).default(365),
  /** The statistics' daily roll-ups may outlive the raw rows (docs/capacity.md); unset: the same. */
  HISTORY_DAILY_RETENTION_DAYS: z.coerce.number().int().min(1).optional(),
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).default(730),
  ADMIN_MFA_REQUIRED_ROLES: roleList('SUPER_ADMIN,ADMIN,SUPPORT,MODERATOR'),
  /** `id:secret` pairs, comma-separated: the services allowed to call introspect/. */
  INTROSPECTION_CREDENTIALS: csv.transform((pairs, ctx) =>
    pairs.flatMap((pair) => {
      const at = pair.indexOf(':');
      const id = pair.slice(0, at);
      const secret = pair.slice(at + 1);
      if (at <= 0 || !/^[A-Za-z0-9._-]+$/.test(id) || secret.length < MIN_CLIENT_SECRET) {
        // Never echo the pair: it holds a secret.
        ctx.addIssue({
          code: 'custom',
          message: `each entry must be "id:secret" with a secret of at least ${MIN_CLIENT_SECRET} characters`,
        });
        return [];
      }
      return [{ id, secret }];
    }),
  ),
  SERVICE_VERSION: z.string().default('1.0.0'),
  // OAuth is optional: a provider without both client id and secret answers 501, nothing else breaks.
  GOOGLE_CLIENT_ID: z.string().trim().optional(),
  GOOGLE_CLIENT_SECRET: z.string().trim().optional(),
  GOOGLE_TOKEN_URL: z.url().default('https://oauth2.googleapis.com/token'),
  GOOGLE_USERINFO_URL: z.url().default('https://openidconnect.googleapis.com/v1/userinfo'),
  GITHUB_CLIENT_ID: z.string().trim().optional(),
  GITHUB_CLIENT_SECRET: z.string().trim().optional(),
  GITHUB_OAUTH_URL: z.url().default('https://github.com'),
  GITHUB_API_URL: z.url().default('https://api.github.com'),
  OAUTH_REDIRECT_URIS: csv,
  OAUTH_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(8000),
  // Passkeys (WebAuthn): every default comes from APP_URL, MFA_ISSUER and CORS_ORIGINS (passkeys/settings.ts).
  WEBAUTHN_RP_ID: z.string().optional(),
  WEBAUTHN_RP_NAME: z.string().optional(),
  WEBAUTHN_ORIGINS: z.string().optional(),
  // LTI 1.3 tool (issue 18): where launches may land (empty: APP_URL's origin), and their rate.
  LTI_TARGET_ORIGINS: list().transform((origins, ctx) => {
    const malformed = origins.filter((origin) => !isOrigin(origin));
    if (malformed.length > 0) {
      ctx.addIssue({ code: 'custom', message: `not origins (scheme://host[:port]): ${malformed.join(', ')}` });
      return z.NEVER;
    }
    return origins;
  }),
  RATE_LIMIT_LTI_IP: rateLimit('600/60'),
  // --- account self-service (issue 17) ---
  /** Seconds between a deletion request and the erasure; the emailed link cancels it meanwhile. */
  ACCOUNT_DELETION_GRACE: seconds(7 * 24 * 3600),
  RATE_LIMIT_EXPORT_ACCOUNT: rateLimit('5/3600'),
  RATE_LIMIT_EMAIL_CHANGE_ACCOUNT: rateLimit('5/3600'),
  // --- end account self-service ---
});

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value.replace(/\/+$/, '');
  } catch {
    return false;
  }
}

export type Config = ReturnType<typeof toConfig>;

/** Every variable the parser reads, as the strings wrangler passes (all optional to the type system). */
export type ConfigVariables = { [Name in keyof z.input<typeof configSchema>]?: string };

function toConfig(raw: z.infer<typeof configSchema>) {
  return {
    appUrl: raw.APP_URL.replace(/\/+$/, ''),
    corsOrigins: raw.CORS_ORIGINS,
    jwt: {
      privateKey: raw.JWT_PRIVATE_KEY,
      previousPublicKey: raw.JWT_PREVIOUS_PUBLIC_KEY,
      issuer: raw.JWT_ISSUER,
      audience: raw.JWT_AUDIENCE,
      accessTokenTtl: raw.ACCESS_TOKEN_TTL,
    },
    mfa: {
      encryptionKey: raw.SECRET_ENCRYPTION_KEY.trim(),
      backupCodePepper: raw.BACKUP_CODE_PEPPER.trim(),
      issuer: raw.MFA_ISSUER,
    },
    sessionTtl: raw.SESSION_TTL,
    rememberMeTtl: raw.REMEMBER_ME_TTL,
    // --- Sessions and refresh tokens (issue 15) ---
    /** 0: sessions end only at their absolute limit. */
    sessionIdleTtl: raw.SESSION_IDLE_TTL,
    refreshTokens: {
      /** The current key first: it signs every new session's tokens. */
      keys: [raw.REFRESH_TOKEN_SECRET, raw.REFRESH_TOKEN_PREVIOUS_SECRET]
        .filter((key): key is string => Boolean(key))
        .map((key) => Uint8Array.from(atob(key.trim()), (char) => char.charCodeAt(0))),
      reuseGraceSeconds: raw.REFRESH_REUSE_GRACE,
    },
    refreshCookie: {
      enabled: raw.REFRESH_COOKIE,
      domain: raw.REFRESH_COOKIE_DOMAIN,
      sameSite: raw.REFRESH_COOKIE_SAME_SITE,
    },
    // --- end sessions and refresh tokens ---
    emailVerificationTtl: raw.EMAIL_VERIFICATION_TTL,
    passwordResetTtl: raw.PASSWORD_RESET_TTL,
    scrypt: { logN: raw.SCRYPT_LOG_N, r: raw.SCRYPT_R, p: raw.SCRYPT_P },
    passwordHasher: raw.PASSWORD_HASHER,
    lockout: { threshold: raw.LOCKOUT_THRESHOLD, lockSeconds: raw.LOCKOUT_DURATION },
    rateLimits: {
      loginPerIp: raw.RATE_LIMIT_LOGIN_IP,
      registerPerIp: raw.RATE_LIMIT_REGISTER_IP,
      verifyResendPerEmail: raw.RATE_LIMIT_VERIFY_RESEND_EMAIL,
      resetPerEmail: raw.RATE_LIMIT_RESET_EMAIL,
      resetPerIp: raw.RATE_LIMIT_RESET_IP,
      mfaPerAccount: raw.RATE_LIMIT_MFA_ACCOUNT,
      refreshPerSession: raw.RATE_LIMIT_REFRESH_SESSION,
      refreshPerIp: raw.RATE_LIMIT_REFRESH_IP,
      reauthPerAccount: raw.RATE_LIMIT_REAUTH_ACCOUNT,
      unknownEmailRecordsPerIp: raw.RATE_LIMIT_UNKNOWN_EMAIL_RECORDS_IP,
      ltiPerIp: raw.RATE_LIMIT_LTI_IP,
      exportPerAccount: raw.RATE_LIMIT_EXPORT_ACCOUNT,
      emailChangePerAccount: raw.RATE_LIMIT_EMAIL_CHANGE_ACCOUNT,
    },
    accountDeletionGrace: raw.ACCOUNT_DELETION_GRACE,
    maxSessionsPerUser: raw.MAX_SESSIONS_PER_USER,
    email: {
      transport: raw.EMAIL_TRANSPORT,
      from: raw.EMAIL_FROM,
      resend: { apiKey: raw.RESEND_API_KEY, url: raw.RESEND_API_URL },
    },
    passwordPolicy: {
      minLength: raw.PASSWORD_MIN_LENGTH,
      composition: raw.PASSWORD_COMPOSITION,
      rejectCommon: raw.PASSWORD_REJECT_COMMON,
    },
    retention: {
      historyDays: raw.HISTORY_RETENTION_DAYS,
      historyDailyDays: raw.HISTORY_DAILY_RETENTION_DAYS ?? raw.HISTORY_RETENTION_DAYS,
      auditDays: raw.AUDIT_RETENTION_DAYS,
    },
    adminMfaRequiredRoles: raw.ADMIN_MFA_REQUIRED_ROLES,
    introspectionClients: raw.INTROSPECTION_CREDENTIALS,
    version: raw.SERVICE_VERSION,
    lti: {
      targetOrigins:
        raw.LTI_TARGET_ORIGINS.length > 0
          ? raw.LTI_TARGET_ORIGINS.map((origin) => new URL(origin).origin)
          : [new URL(raw.APP_URL).origin],
    },
    oauth: {
      redirectUris: raw.OAUTH_REDIRECT_URIS,
      timeoutMs: raw.OAUTH_TIMEOUT_MS,
      google:
        raw.GOOGLE_CLIENT_ID && raw.GOOGLE_CLIENT_SECRET
          ? {
              clientId: raw.GOOGLE_CLIENT_ID,
              clientSecret: raw.GOOGLE_CLIENT_SECRET,
              tokenUrl: raw.GOOGLE_TOKEN_URL,
              userinfoUrl: raw.GOOGLE_USERINFO_URL,
            }
          : null,
      github:
        raw.GITHUB_CLIENT_ID && raw.GITHUB_CLIENT_SECRET
          ? {
              clientId: raw.GITHUB_CLIENT_ID,
              clientSecret: raw.GITHUB_CLIENT_SECRET,
              oauthUrl: raw.GITHUB_OAUTH_URL.replace(/\/+$/, ''),
              apiUrl: raw.GITHUB_API_URL.replace(/\/+$/, ''),
            }
          : null,
    },
    webauthn: webAuthnSettingsOf(raw),
  };
}

/** Checked by crossFieldProblems before toConfig runs, so a failure here is a bug, not a setting. */
function webAuthnSettingsOf(raw: RawConfig): WebAuthnSettings {
  const result = deriveWebAuthnSettings(raw);
  if (!result.ok) throw new ConfigError(`Invalid configuration: ${result.issues.join('; ')}`);
  return result.settings;
}

type RawConfig = z.infer<typeof configSchema>;

/** Transports that must never serve a deployed worker. */
const LOCAL_TRANSPORTS: readonly string[] = ['console', 'memory'];

/** Rules that tie several variables together; each problem names the variables involved. */
function crossFieldProblems(raw: RawConfig): string[] {
  const problems: string[] = [];
  const current = raw.JWT_PRIVATE_KEY as JsonWebKey & { kid?: string; crv?: string };
  const previous = raw.JWT_PREVIOUS_PUBLIC_KEY as (JsonWebKey & { kid?: string; crv?: string }) | undefined;
  if (previous) {
    // Either mistake silently signs everyone out: tokens of the old key would no longer verify.
    if (previous.kty !== current.kty || previous.crv !== current.crv) {
      problems.push('JWT_PREVIOUS_PUBLIC_KEY: must be the same key type and curve as JWT_PRIVATE_KEY');
    }
    if (!previous.kid || previous.kid === current.kid) {
      problems.push('JWT_PREVIOUS_PUBLIC_KEY: must have a "kid", different from JWT_PRIVATE_KEY\'s');
    }
  }
  if (LOCAL_TRANSPORTS.includes(raw.EMAIL_TRANSPORT) && !isLocalHost(new URL(raw.APP_URL).hostname)) {
    // The console transport prints verification and reset links: in a deployed worker's logs they
    // would be credentials anyone with log access could use (and `memory` delivers nothing).
    problems.push(`EMAIL_TRANSPORT: ${raw.EMAIL_TRANSPORT} is for local development (APP_URL on localhost) only`);
  }
  if (raw.REFRESH_TOKEN_PREVIOUS_SECRET?.trim() === raw.REFRESH_TOKEN_SECRET.trim()) {
    problems.push('REFRESH_TOKEN_PREVIOUS_SECRET: must differ from REFRESH_TOKEN_SECRET');
  }
  if (raw.EMAIL_TRANSPORT === 'resend' && !raw.RESEND_API_KEY) {
    problems.push('RESEND_API_KEY: required when EMAIL_TRANSPORT=resend');
  }
  const webauthn = deriveWebAuthnSettings(raw);
  if (!webauthn.ok) problems.push(...webauthn.issues);
  return problems;
}

/** Loopback names and addresses, and the names reserved for testing (RFC 2606, RFC 6761). */
export function isLocalHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host.endsWith('.test') ||
    host === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

/**
 * The console transport prints sign-in links. A worker deployed with the development settings would
 * print them into production logs, so it refuses to serve any request not addressed to a local name.
 */
export function assertServesLocalOnly(config: Config, requestUrl: string): void {
  if (!LOCAL_TRANSPORTS.includes(config.email.transport)) return;
  if (!isLocalHost(new URL(requestUrl).hostname)) {
    throw new ConfigError(
      `Invalid configuration: EMAIL_TRANSPORT=${config.email.transport} serves local development only; this request is not addressed to a local host. Set EMAIL_TRANSPORT (and APP_URL) for production.`,
    );
  }
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const cache = new WeakMap<object, Config>();

/** Parses the worker's environment once per env object; throws ConfigError listing every problem. */
export function loadConfig(env: object): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const problems = crossFieldProblems(result.data);
  if (problems.length > 0) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  const config = toConfig(result.data);
  cache.set(env, config);
  return config;
}
