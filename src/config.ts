import { z } from 'zod';
import { SCRYPT_IMPLEMENTATIONS } from './credentials/scrypt';
import { ROLES, type Role } from './db/schema';

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
});

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
    },
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
  };
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
  if (raw.EMAIL_TRANSPORT === 'resend' && !raw.RESEND_API_KEY) {
    problems.push('RESEND_API_KEY: required when EMAIL_TRANSPORT=resend');
  }
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
