import { describe, expect, it } from 'vitest';
import { call, get, json, post, problem } from '../helpers/api';

describe('health and JWKS', () => {
  it('answers the seed health body', async () => {
    const response = await get('health/');
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ status: 'healthy', service: 'auth-service', version: '1.0.0' });
  });

  it('answers 503 unhealthy when D1 is unreachable', async () => {
    const brokenDb = {
      prepare: () => {
        throw new Error('D1 is down');
      },
    };
    const response = await get('health', { env: { DB: brokenDb } });
    expect(response.status).toBe(503);
    expect((await json(response)).status).toBe('unhealthy');
  });

  it('publishes the current and previous public keys, without private members, cacheable', async () => {
    const response = await call('GET', '/.well-known/jwks.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=300');
    const { keys } = await json(response);
    expect(keys.map((key: { kid: string }) => key.kid)).toEqual(['test-current', 'test-previous']);
    for (const key of keys) {
      expect(key).not.toHaveProperty('d');
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    }
  });
});

describe('HTTP conventions', () => {
  it('accepts paths with and without the trailing slash', async () => {
    expect((await get('health')).status).toBe(200);
    expect((await get('health/')).status).toBe(200);
  });

  it('answers unknown paths with a problem+json 404', async () => {
    await problem(await get('nope/'), 404, 'not_found');
  });

  it('sets no-store, security headers and a request id on every response', async () => {
    const outsideTheApi = await call('GET', '/favicon.ico');
    expect(outsideTheApi.status).toBe(404);
    for (const response of [
      await get('health'),
      await get('missing'),
      await post('login', { email: 'x' }),
      outsideTheApi,
    ]) {
      expect(response.headers.get('Cache-Control')).toBe('no-store');
      expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
      expect(response.headers.get('Strict-Transport-Security')).toContain('max-age=');
      expect(response.headers.get('X-Frame-Options')).toBe('SAMEORIGIN');
      expect(response.headers.get('X-Request-Id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('echoes a sane client request id and replaces an insane one', async () => {
    const sane = await get('health', { headers: { 'X-Request-Id': 'spa-42.retry_1' } });
    expect(sane.headers.get('X-Request-Id')).toBe('spa-42.retry_1');
    const insane = await get('health', { headers: { 'X-Request-Id': 'bad id\twith spaces' } });
    expect(insane.headers.get('X-Request-Id')).toMatch(/^[0-9a-f-]{36}$/);
    const tooLong = await get('health', { headers: { 'X-Request-Id': 'a'.repeat(129) } });
    expect(tooLong.headers.get('X-Request-Id')).not.toBe('a'.repeat(129));
  });

  it('allows CORS only for listed origins', async () => {
    const allowed = await call('OPTIONS', '/api/auth/login/', {
      headers: { Origin: 'http://localhost:3000', 'Access-Control-Request-Method': 'POST' },
    });
    expect(allowed.headers.get('Access-Control-Allow-Origin')).toBe('http://localhost:3000');
    expect(allowed.headers.get('Access-Control-Allow-Headers')).toContain('Authorization');
    const refused = await call('OPTIONS', '/api/auth/login/', {
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(refused.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('refuses bodies over 16 KiB with 413, declared or streamed', async () => {
    const big = JSON.stringify({ email: `${'a'.repeat(17 * 1024)}@example.com`, password: 'x' });
    await problem(
      await post('login', undefined, { rawBody: big, headers: { 'Content-Type': 'application/json' } }),
      413,
      'payload_too_large',
    );
    const stream = new Blob([big]).stream();
    await problem(
      await call('POST', '/api/auth/login', { rawBody: stream, headers: { 'Content-Type': 'application/json' } }),
      413,
      'payload_too_large',
    );
  });

  it('refuses other content types with 415', async () => {
    const response = await call('POST', '/api/auth/login', {
      rawBody: 'email=a@b.c&password=x',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    await problem(response, 415, 'unsupported_media_type');
  });

  it('answers malformed JSON with 400', async () => {
    const response = await call('POST', '/api/auth/login', {
      rawBody: '{"email": "a@b.c",',
      headers: { 'Content-Type': 'application/json' },
    });
    await problem(response, 400, 'malformed_json');
  });

  it('lists every field problem, and rejects unknown fields including __proto__', async () => {
    const body = await problem(await post('login', { email: 'not-an-email', extra: 1 }), 400, 'validation_failed');
    const fields = body.errors.map((error: { field: string }) => error.field);
    expect(fields).toEqual(expect.arrayContaining(['email', 'password', 'extra']));

    const proto = await call('POST', '/api/auth/login', {
      rawBody: '{"email":"a@example.com","password":"Abcdef1!","__proto__":{"admin":true}}',
      headers: { 'Content-Type': 'application/json' },
    });
    const protoBody = await problem(proto, 400, 'validation_failed');
    expect(protoBody.errors).toContainEqual({ field: '__proto__', message: 'Unknown field' });
  });

  it('rejects a JSON body that is not an object', async () => {
    await problem(await post('login', [1, 2]), 400, 'validation_failed');
    await problem(await post('login', 'text'), 400, 'validation_failed');
  });

  it('refuses the console email transport outside local development', async () => {
    await problem(await get('health', { env: { APP_URL: 'https://learn.example.com' } }), 503, 'service_unavailable');
    const resend = { APP_URL: 'https://learn.example.com', EMAIL_TRANSPORT: 'resend', RESEND_API_KEY: 'k' };
    expect((await get('health', { env: resend })).status).toBe(200);
  });

  it('answers 503 with a clear problem when configuration is missing', async () => {
    const response = await get('health', { env: { JWT_PRIVATE_KEY: undefined } });
    await problem(response, 503, 'service_unavailable');
  });
});

describe('a database outage', () => {
  it('answers 503 service_unavailable and logs no query parameter', async () => {
    const { captureConsole } = await import('../helpers/mail');
    const logs = captureConsole();
    const failing: Record<string, unknown> = {
      prepare: () => {
        throw new Error('D1_ERROR: Network connection lost.');
      },
      batch: () => Promise.reject(new Error('D1_ERROR: Network connection lost.')),
      // A D1 session (Sessions API) of a failing database fails the same way.
      withSession: () => failing,
    };
    const email = 'outage.victim@example.com';
    const response = await post('login', { email, password: 'Some-Password1!' }, { env: { DB: failing } });
    const joined = logs.lines.join('\n');
    expect(response.status, joined).toBe(503);
    await problem(response, 503, 'service_unavailable');
    expect(joined, joined).toContain('D1_ERROR: Network connection lost.');
    expect(joined).not.toContain('Some-Password1!');
    expect(joined).not.toContain('params:');
  });
});

describe('the request log line', () => {
  it('is one JSON line per request, written just after the answer, with no query string', async () => {
    const { captureConsole } = await import('../helpers/mail');
    const { createExecutionContext, waitOnExecutionContext } = await import('cloudflare:test');
    const { env } = await import('cloudflare:workers');
    const { default: worker } = await import('../../src/index');
    const logs = captureConsole();
    const ctx = createExecutionContext();
    const request = new Request('https://auth.test/api/auth/health/?token=secret-in-query', {
      headers: { 'X-Request-Id': 'log-line-test', 'CF-Connecting-IP': '203.0.113.9' },
    });
    const response = await worker.fetch(request, env as never, ctx);
    expect(response.status).toBe(200);
    const ours = () => logs.lines.filter((line) => line.includes('"request_id":"log-line-test"'));
    // The answer is complete before its log line is written.
    expect(ours()).toHaveLength(0);
    await waitOnExecutionContext(ctx);
    expect(ours()).toHaveLength(1);
    expect(JSON.parse(ours()[0]!)).toEqual({
      level: 'info',
      msg: 'request',
      request_id: 'log-line-test',
      method: 'GET',
      path: '/api/auth/health/',
      status: 200,
      duration_ms: expect.any(Number),
      ip: '203.0.113.9',
    });
    expect(logs.lines.join('\n')).not.toContain('secret-in-query');
    logs.restore();
  });
});
