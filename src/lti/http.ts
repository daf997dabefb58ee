import type { Context, MiddlewareHandler } from 'hono';
import { type AuditEvent, audit } from '../audit/log';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { withinBudget } from '../guard/guard';
import { ipSubject } from '../lib/client-info';
import { describeError, isDatabaseFailure } from '../lib/describe-error';
import { type Scope, scopeOf } from '../scope';
import { pagePolicy, renderPage } from './pages';
import { refusalPage } from './refusal-pages';
import { registeredFrameOrigins } from './registry';

/**
 * The browser side of /lti/: pages instead of problem+json, form bodies instead of JSON, and
 * headers that let the registered platforms (and nobody else) frame the answers.
 */

/** Canvas's `lti_message_hint` and an `id_token` with every service claim stay well under this. */
export const MAX_FORM_BYTES = 96 * 1024;
const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

/** Reads an HTML form post, bounded; refusals are ApiErrors the group's error handler turns into pages. */
export async function readForm(c: Context<AppEnv>): Promise<Record<string, string>> {
  const mediaType = (c.req.header('Content-Type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== FORM_MEDIA_TYPE) {
    throw new ApiError('unsupported_media_type', { detail: 'Expected a form post', reason: 'unsupported_media_type' });
  }
  const tooLarge = () => new ApiError('payload_too_large', { detail: 'Form too large', reason: 'payload_too_large' });
  if (Number(c.req.header('Content-Length') ?? '0') > MAX_FORM_BYTES) throw tooLarge();
  const body = c.req.raw.body;
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (body) {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_FORM_BYTES) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  const form: Record<string, string> = {};
  // A repeated field is ambiguous: the first value is kept, and the checks see only that one.
  for (const [name, value] of new URLSearchParams(new TextDecoder().decode(bytes))) form[name] ??= value;
  return form;
}

/** The query string as single values (the first of repeated ones). */
export function readQuery(c: Context<AppEnv>): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of new URL(c.req.url).searchParams) query[name] ??= value;
  return query;
}

/** The origin this worker is reached at: the URLs it registers at platforms are built from it. */
export function toolOrigin(c: Context<AppEnv>): string {
  return new URL(c.req.url).origin;
}

/** Origins a route lets frame its answer besides the registry's (the platform being registered). */
const extraFrameOrigins = new WeakMap<Request, readonly string[]>();

export function allowFraming(c: Context<AppEnv>, origins: readonly string[]): void {
  extraFrameOrigins.set(c.req.raw, origins);
}

/** Files and keys are never rendered in a frame: no registry read for them. */
const STATIC_POLICY = "default-src 'none'; frame-ancestors 'none'";

/**
 * Headers of every /lti/ answer, set over the API's (this middleware wraps them): pages and
 * redirects get the page CSP with the registered platforms as frame ancestors; no X-Frame-Options
 * (it would forbid the LMS frame); an opener policy that keeps `window.opener`, which the
 * registration page's close message may need.
 */
export function ltiHeaders(): MiddlewareHandler<AppEnv> {
  return async function ltiHeaders(c, next) {
    await next();
    const headers = c.res.headers;
    const framed = c.res.status >= 300 || /^text\/html/.test(headers.get('Content-Type') ?? '');
    let policy = STATIC_POLICY;
    if (framed) {
      let origins: string[] = [];
      try {
        origins = await registeredFrameOrigins(scopeOf(c).db);
      } catch (error) {
        // Without the registry nothing may frame us; the answer itself still goes out.
        console.error(JSON.stringify({ level: 'error', msg: 'lti frame origins', error: describeError(error) }));
      }
      policy = pagePolicy([...new Set([...origins, ...(extraFrameOrigins.get(c.req.raw) ?? [])])]);
    }
    headers.set('Content-Security-Policy', policy);
    headers.set('X-Content-Type-Options', 'nosniff');
    headers.set('Referrer-Policy', 'no-referrer');
    headers.set('Strict-Transport-Security', 'max-age=63072000; includeSubDomains');
    headers.set('Cross-Origin-Opener-Policy', 'unsafe-none');
    headers.delete('X-Frame-Options');
  };
}

/** An HTML page answer. */
export function page(c: Context<AppEnv>, status: 200 | 400 | 429 | 503, html: string): Response {
  return c.html(html, status);
}

/**
 * Answers a refusal: the page for its reason, an audit entry with the reason, and the log line.
 * Refusals no registered platform can be held responsible for (unknown issuer, unknown state...)
 * cost rows anyone can make, so they are audited within the per-IP budget of unattributed
 * failures (RATE_LIMIT_UNKNOWN_EMAIL_RECORDS_IP).
 */
export function refuse(
  c: Context<AppEnv>,
  event: Extract<AuditEvent, 'lti.login_refused' | 'lti.launch_refused' | 'lti.registration_refused'>,
  refusal: { reason: string; details?: Record<string, unknown>; platformId?: string; actorId?: string | null },
  headers: Record<string, string> = {},
): Response {
  const scope = scopeOf(c);
  c.set('problem', { code: 'lti_refused', reason: refusal.reason });
  auditRefusal(scope, event, refusal);
  const content = refusalPage(refusal.reason, scope.config.mfa.issuer);
  const response = page(
    c,
    content.status,
    renderPage({ title: content.title, message: content.message, reference: c.get('requestId') }),
  );
  for (const [name, value] of Object.entries(headers)) response.headers.append(name, value);
  return response;
}

function auditRefusal(
  scope: Scope,
  event: AuditEvent,
  refusal: { reason: string; details?: Record<string, unknown>; platformId?: string; actorId?: string | null },
): void {
  const write = () =>
    audit(scope, event, {
      actorId: refusal.actorId ?? null,
      details: {
        reason: refusal.reason,
        ...(refusal.platformId ? { platform_id: refusal.platformId } : {}),
        ...refusal.details,
      },
    });
  if (refusal.platformId || refusal.actorId) {
    write();
    return;
  }
  scope.defer(
    (async () => {
      if (await withinBudget(scope, 'unknownEmailRecordsPerIp', ipSubject(scope.client.ip) ?? 'unknown')) write();
    })(),
  );
}

/**
 * The group's error handler: whatever escapes a route (a form refusal, a rate limit, D1 down)
 * becomes a page, never problem+json and never a 500 page for something the client sent.
 */
export function ltiErrorPage(error: unknown, c: Context<AppEnv>): Response {
  const service = c.get('config')?.mfa.issuer ?? 'The service';
  if (error instanceof ApiError && error.code === 'rate_limited') {
    c.set('problem', { code: 'rate_limited', reason: error.reason });
    const response = page(
      c,
      429,
      renderPage({ ...refusalPage('rate_limited', service), reference: c.get('requestId') }),
    );
    for (const [name, value] of Object.entries(error.headers)) response.headers.set(name, value);
    return response;
  }
  // Refusals of what the client sent (a form that is not one, too large...).
  if (error instanceof ApiError && error.status < 500)
    return refuse(c, eventOf(c), { reason: error.reason ?? error.code });
  const unavailable = error instanceof ApiError || isDatabaseFailure(error);
  c.set('problem', { code: unavailable ? 'service_unavailable' : 'internal_error', reason: 'lti' });
  console.error(
    JSON.stringify({
      level: 'error',
      msg: 'lti request failed',
      request_id: c.get('requestId'),
      error: describeError(error),
    }),
  );
  return page(c, 503, renderPage({ ...refusalPage('service_unavailable', service), reference: c.get('requestId') }));
}

function eventOf(c: Context<AppEnv>): 'lti.login_refused' | 'lti.launch_refused' | 'lti.registration_refused' {
  const path = new URL(c.req.url).pathname;
  if (path.startsWith('/lti/launch')) return 'lti.launch_refused';
  if (path.startsWith('/lti/register')) return 'lti.registration_refused';
  return 'lti.login_refused';
}
