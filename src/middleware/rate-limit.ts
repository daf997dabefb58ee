import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { consumeRateLimit, type RateRule } from '../guard/guard';
import { ipSubject } from '../lib/client-info';

/**
 * Rate limits `rule` per the subject picked from the request (client IP, normalised email, ...),
 * before any handler work such as hashing runs; the RateLimit-* headers go on the answer.
 *
 * `alongside`: the hit is not awaited here but handed to the handler as `c.get('admission')`, for
 * its logic to await together with its own first round trips (login/: the lockout reservation and
 * the account lookup) and before any hash or write. A refused hit is the answer whatever the
 * handler answered, so the wire behaviour is the same as when awaited first.
 */
export function rateLimit(
  rule: RateRule,
  subjectOf: (c: Context<AppEnv>) => string | null,
  options: { alongside?: boolean } = {},
): MiddlewareHandler<AppEnv> {
  return async function rateLimit(c, next) {
    const subject = subjectOf(c) ?? 'unknown';
    const decision = consumeRateLimit({ env: c.env, config: c.get('config') }, rule, subject);
    if (options.alongside) {
      decision.catch(() => undefined);
      c.set('admission', decision);
    } else {
      await decision;
    }
    await next();
    for (const [name, value] of Object.entries(await decision)) c.res.headers.set(name, value);
  };
}

export const byClientIp = (c: Context<AppEnv>) => ipSubject(c.get('client').ip);

export const byUser = (c: Context<AppEnv>) => c.get('auth').user.id;
