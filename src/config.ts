import { z } from 'zod';

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const csv = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );
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
  LOCKOUT_THRESHOLD: z.coerce.number().int().min(1).max(100).default(5),
  LOCKOUT_DURATION: seconds(30 * 60),
  RATE_LIMIT_LOGIN_IP: rateLimit('60/60'),
  RATE_LIMIT_REGISTER_IP: rateLimit('30/600'),
  RATE_LIMIT_VERIFY_RESEND_EMAIL: rateLimit('5/3600'),
  RATE_LIMIT_RESET_EMAIL: rateLimit('5/3600'),
  RATE_LIMIT_RESET_IP: rateLimit('30/3600'),
  RATE_LIMIT_MFA_ACCOUNT: rateLimit('10/300'),
  RATE_LIMIT_REFRESH_SESSION: rateLimit('60/60'),
  EMAIL_TRANSPORT: z.enum(['console', 'cloudflare', 'resend']).default('console'),
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
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).default(730),
  ADMIN_MFA_REQUIRED_ROLES: z.string().default('SUPER_ADMIN,ADMIN'),
  /** `id:secret` pairs, comma-separated: the services allowed to call introspect/. */
  INTROSPECTION_CREDENTIALS: csv,
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
    lockout: { threshold: raw.LOCKOUT_THRESHOLD, lockSeconds: raw.LOCKOUT_DURATION },
    rateLimits: {
      loginPerIp: raw.RATE_LIMIT_LOGIN_IP,
      registerPerIp: raw.RATE_LIMIT_REGISTER_IP,
      verifyResendPerEmail: raw.RATE_LIMIT_VERIFY_RESEND_EMAIL,
      resetPerEmail: raw.RATE_LIMIT_RESET_EMAIL,
      resetPerIp: raw.RATE_LIMIT_RESET_IP,
      mfaPerAccount: raw.RATE_LIMIT_MFA_ACCOUNT,
      refreshPerSession: raw.RATE_LIMIT_REFRESH_SESSION,
    },
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
    retention: { historyDays: raw.HISTORY_RETENTION_DAYS, auditDays: raw.AUDIT_RETENTION_DAYS },
    adminMfaRequiredRoles: raw.ADMIN_MFA_REQUIRED_ROLES.split(',')
      .map((role) => role.trim())
      .filter(Boolean),
    introspectionClients: raw.INTROSPECTION_CREDENTIALS.flatMap((pair) => {
      const at = pair.indexOf(':');
      return at > 0 ? [{ id: pair.slice(0, at), secret: pair.slice(at + 1) }] : [];
    }),
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

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const cache = new WeakMap<object, Config>();

/** Parses the worker's environment once per env object; throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, unknown>): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const appHost = new URL(result.data.APP_URL).hostname;
  if (result.data.EMAIL_TRANSPORT === 'console' && !['localhost', '127.0.0.1', '[::1]'].includes(appHost)) {
    // The console transport prints verification and reset links: in a deployed worker's logs they
    // would be credentials anyone with log access could use.
    throw new ConfigError(
      'Invalid configuration: EMAIL_TRANSPORT=console is for local development (APP_URL on localhost) only',
    );
  }
  if (result.data.EMAIL_TRANSPORT === 'resend' && !result.data.RESEND_API_KEY) {
    throw new ConfigError('Invalid configuration: RESEND_API_KEY is required when EMAIL_TRANSPORT=resend');
  }
  const config = toConfig(result.data);
  cache.set(env, config);
  return config;
}
