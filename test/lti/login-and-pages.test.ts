import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, get, json } from '../helpers/api';
import { type FakeLms, fakeLms, LMS_TARGET } from '../helpers/fake-lms';
import { fakeNetwork } from '../helpers/fake-network';
import {
  adminCall,
  formPost,
  ltiLogin,
  openRegistration,
  type RegisteredPlatform,
  registerDynamically,
  registrationLink,
} from '../helpers/lti';
import { captureConsole } from '../helpers/mail';
import { sql } from '../helpers/users';

/**
 * OIDC login initiation over GET and POST /lti/login, and the headers of every /lti/ answer:
 * a CSP without inline code whose frame-ancestors are the registered platforms.
 */

const net = fakeNetwork();
let lms: FakeLms;
let platform: RegisteredPlatform;
beforeEach(async () => {
  captureConsole();
  net.install();
  lms = await fakeLms(net);
  platform = await registerDynamically(lms);
});
afterEach(() => net.reset());

function directives(response: Response): Map<string, string> {
  const policy = response.headers.get('Content-Security-Policy') ?? '';
  return new Map(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .map(([name, ...values]) => [name ?? '', values.join(' ')]),
  );
}

async function loginRefusal(response: Response, reason: string) {
  expect(response.status).toBe(400);
  expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
  const rows = await sql("SELECT details FROM audit_log WHERE event = 'lti.login_refused'").all<{ details: string }>();
  expect(rows.results.map((row) => JSON.parse(row.details).reason)).toContain(reason);
}

describe('login initiation', () => {
  it("sends the browser to the platform's authorization endpoint with a fresh state and nonce (GET)", async () => {
    const parameters = lms.loginParameters();
    const response = await call('GET', `/lti/login?${new URLSearchParams(parameters)}`);
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('Location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(lms.urls.authorization);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      scope: 'openid',
      response_type: 'id_token',
      response_mode: 'form_post',
      prompt: 'none',
      client_id: lms.clientId,
      redirect_uri: 'https://auth.test/lti/launch',
      login_hint: parameters.login_hint,
      lti_message_hint: parameters.lti_message_hint,
      state: expect.stringMatching(/^[\w-]{43}$/),
      nonce: expect.stringMatching(/^[\w-]{43}$/),
    });
    const stored = await sql('SELECT * FROM lti_login_states WHERE platform_id = ?', platform.id).all();
    expect(stored.results).toHaveLength(1);
    expect(JSON.stringify(stored.results)).not.toContain(location.searchParams.get('state'));
  });

  it('accepts the same parameters as a form post', async () => {
    const response = await ltiLogin(lms, {}, { post: true });
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).toContain(lms.urls.authorization);
  });

  it('refuses an unknown issuer, an unknown client, a missing parameter, and a JSON body, each with a page', async () => {
    await loginRefusal(await ltiLogin(lms, { iss: 'https://unknown-lms.example' }), 'unknown_issuer');
    await loginRefusal(await ltiLogin(lms, { client_id: 'not-ours' }), 'unknown_client');
    await loginRefusal(await ltiLogin(lms, { login_hint: undefined }), 'missing_parameter');
    await loginRefusal(await ltiLogin(lms, { lti_deployment_id: 'not-registered' }), 'unknown_deployment');
    await loginRefusal(await call('POST', '/lti/login', { body: lms.loginParameters() }), 'unsupported_media_type');
    const states = await sql('SELECT count(*) AS n FROM lti_login_states WHERE platform_id = ?', platform.id).first();
    expect(states).toEqual({ n: 0 });
  });

  it('attributes refusals to the registration when the issuer has one', async () => {
    await ltiLogin(lms, { client_id: 'not-ours' });
    const entry = await sql(
      "SELECT details FROM audit_log WHERE event = 'lti.login_refused' AND details LIKE ?",
      `%${platform.id}%`,
    ).first<{ details: string }>();
    expect(JSON.parse(entry?.details ?? '{}')).toEqual({
      reason: 'unknown_client',
      platform_id: platform.id,
      issuer: lms.issuer,
    });
  });
});

describe('the /lti/ pages', () => {
  it('carry a CSP without inline code, framed only by the registered platforms', async () => {
    const other = await fakeLms(net);
    await registerDynamically(other, { frame_origins: ['https://school.instructure.example'] });
    const page = await ltiLogin(lms, { iss: 'https://unknown-lms.example' });
    const csp = directives(page);
    expect(csp.get('default-src')).toBe("'none'");
    expect(csp.get('script-src')).toBe("'self'");
    expect(csp.get('style-src')).toBe("'self'");
    expect(page.headers.get('Content-Security-Policy')).not.toContain('unsafe-inline');
    const ancestors = (csp.get('frame-ancestors') ?? '').split(' ');
    expect(ancestors).toEqual(expect.arrayContaining([lms.origin, other.origin, 'https://school.instructure.example']));
    // Nothing but the registered platforms' origins (this file's earlier tests registered others).
    const { platforms } = await json<{ platforms: RegisteredPlatform[] }>(await adminCall('GET', 'platforms'));
    const registered = new Set(
      platforms.flatMap((entry) => [new URL(entry.issuer as string).origin, ...(entry.frame_origins as string[])]),
    );
    expect(ancestors.filter((origin) => !registered.has(origin))).toEqual([]);
    // X-Frame-Options would forbid the LMS frame whatever the CSP says.
    expect(page.headers.get('X-Frame-Options')).toBeNull();
    // The registration page may be a popup whose opener must stay reachable for the close message.
    expect(page.headers.get('Cross-Origin-Opener-Policy')).toBe('unsafe-none');
    expect(page.headers.get('X-Content-Type-Options')).toBe('nosniff');
    const html = await page.text();
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=/);
  });

  it('carry the same frame-ancestors on redirects', async () => {
    const redirect = await ltiLogin(lms);
    expect(redirect.status).toBe(302);
    expect(directives(redirect).get('frame-ancestors')).toContain(lms.origin);
  });

  it('drop a platform from frame-ancestors once it is deleted', async () => {
    expect((await adminCall('DELETE', `platforms/${platform.id}`)).status).toBe(204);
    const page = await ltiLogin(lms);
    expect(directives(page).get('frame-ancestors')).not.toContain(lms.origin);
  });

  it('leave the JSON API with default-src none and no framing', async () => {
    const api = await get('health');
    const csp = directives(api);
    expect(csp.get('default-src')).toBe("'none'");
    expect(csp.get('frame-ancestors')).toBe("'none'");
  });

  it('serve the registration page script and the stylesheet as files', async () => {
    const script = await call('GET', '/lti/assets/close.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('Content-Type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain("postMessage({ subject: 'org.imsglobal.lti.close' }, '*')");
    const style = await call('GET', '/lti/assets/lti.css');
    expect(style.headers.get('Content-Type')).toMatch(/^text\/css/);
    for (const file of [script, style]) {
      expect(file.headers.get('Content-Security-Policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    }
  });

  it("publish the tool's key set", async () => {
    const jwks = await call('GET', '/lti/jwks.json');
    expect(jwks.status).toBe(200);
    expect((await json(jwks)).keys).toEqual((await json(await call('GET', '/.well-known/jwks.json'))).keys);
  });

  it('frame the registration page by the platform being registered, which is not yet in the registry', async () => {
    const newcomer = await fakeLms(net);
    const page = await openRegistration(await registrationLink(), newcomer);
    expect(page.status).toBe(200);
    expect(directives(page).get('frame-ancestors')).toContain(newcomer.origin);
    const html = await page.text();
    expect(html).toContain('<script src="/lti/assets/close.js"></script>');
    expect(html).not.toMatch(/<script>/);
  });

  it('answer a 503 page, framed by nobody, when the database is unreachable', async () => {
    const broken = {
      prepare: () => {
        throw new Error('D1_ERROR: database unavailable');
      },
    };
    const response = await call('GET', `/lti/login?${new URLSearchParams(lms.loginParameters())}`, {
      env: { DB: broken },
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
    expect(directives(response).get('frame-ancestors')).toBe("'none'");
  });

  it('never answer a 500, whatever is posted', async () => {
    const attempts = [
      call('POST', '/lti/launch', formPost({ id_token: 'not.a.jwt', state: 'x' })),
      call('POST', '/lti/launch', { rawBody: '%%%', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }),
      call('POST', '/lti/login', formPost({ iss: 'x'.repeat(5000), login_hint: 'h', target_link_uri: LMS_TARGET })),
      call('GET', `/lti/login?iss=${encodeURIComponent(lms.issuer)}&login_hint=h&target_link_uri=not-a-url`),
      call('GET', '/lti/register?link=x&openid_configuration=javascript:alert(1)'),
      call('GET', '/lti/register'),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(400);
      expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
    }
  });
});
