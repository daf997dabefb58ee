import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { consumeRateLimit, type RateRule } from '../guard/guard';
import { ipSubject } from '../lib/client-info';

/**
 * Rate limits `rule` per the subject picked from the request (client IP, normalised email, ...),
 * before any handler work such as hashing runs; the RateLimit-* headers go on the answer.
 */
export function rateLimit(rule: RateRule, subjectOf: (c: Context<AppEnv>) => string | null): MiddlewareHandler<AppEnv> {
  return async function rateLimit(c, next) {
    const subject = subjectOf(c) ?? 'unknown';
    const headers = await consumeRateLimit({ env: c.env, config: c.get('config') }, rule, subject);
    await next();
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  };
}

export const byClientIp = (c: Context<AppEnv>) => ipSubject(c.get('client').ip);

export const byUser = (c: Context<AppEnv>) => c.get('auth').user.id;
