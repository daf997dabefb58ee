import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { base64url } from '../../src/lib/crypto';
import { TOOL_CONFIGURATION } from '../../src/lti/dynamic-registration';
import { CLAIM, type LtiPlatform } from '../../src/lti/platform';
import type { Answer, FakeNetwork, Handler, SeenRequest } from './fake-network';

/**
 * An LTI 1.3 platform (a Moodle or Canvas) behind the fetch boundary: its own keys and JWKS, its
 * OpenID configuration and registration endpoint, an authorization endpoint that answers like a
 * platform's, and an `id_token` signer with a knob for every way a launch can be wrong.
 */

export const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';
export const LEARNER = `${LIS}membership#Learner`;
export const INSTRUCTOR = `${LIS}membership#Instructor`;
export const TEACHING_ASSISTANT = `${LIS}membership/Instructor#TeachingAssistant`;
/** Where launches land unless a test says otherwise: on `APP_URL`'s origin (wrangler.toml). */
export const LMS_TARGET = 'http://localhost:3000/lti/landing';

type KeyName = 'current' | 'next' | 'ec' | 'stranger';
interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function signingKey(kid: string, alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** Generated once per test file: RSA key generation is slow, and fresh origins keep instances apart. */
let sharedKeys: Promise<Record<KeyName, SigningKey>> | undefined;
function lmsKeys(): Promise<Record<KeyName, SigningKey>> {
  sharedKeys ??= (async () => ({
    current: await signingKey('lms-key-1', 'RS256'),
    next: await signingKey('lms-key-2', 'RS256'),
    ec: await signingKey('lms-ec-1', 'ES256'),
    stranger: await signingKey('lms-key-1', 'RS256'),
  }))();
  return sharedKeys;
}

export interface IdTokenOptions {
  /** Merged over `launchClaims()`; a value of `undefined` removes the claim. */
  claims?: Record<string, unknown>;
  /** `none` gives an unsigned token, `HS256` one MACed with a secret the tool never had. */
  alg?: 'RS256' | 'ES256' | 'none' | 'HS256';
  /** Which private key signs: `stranger` has the current key's `kid` but is not published. */
  key?: KeyName;
  /** Header `kid` as sent; `null` sends none. Defaults to the signing key's. */
  kid?: string | null;
  /** The issuing time, in ms since the epoch (defaults to now). */
  now?: number;
}

export interface FakeLmsOptions {
  origin?: string;
  clientId?: string;
  /** The deployment the registration answer carries; `null` answers none, as Canvas does. */
  deploymentId?: string | null;
  productFamilyCode?: string;
  /** When set, the registration endpoint refuses any other Bearer token with 401. */
  registrationToken?: string;
}

export async function fakeLms(net: FakeNetwork, options: FakeLmsOptions = {}) {
  // A fresh origin per instance: the per-isolate JWKS cache must never carry keys across tests.
  const origin = options.origin ?? `https://lms-${crypto.randomUUID().slice(0, 8)}.test`;
  const clientId = options.clientId ?? `client-${crypto.randomUUID().slice(0, 8)}`;
  const deploymentId = options.deploymentId === undefined ? `1:${crypto.randomUUID()}` : options.deploymentId;
  const urls = {
    openidConfiguration: `${origin}/mod/lti/openid-configuration.php`,
    authorization: `${origin}/mod/lti/auth.php`,
    jwks: `${origin}/mod/lti/certs.php`,
    token: `${origin}/mod/lti/token.php`,
    registration: `${origin}/mod/lti/registerlti13tool.php`,
  };
  const keys = await lmsKeys();
  let published: SigningKey[] = [keys.current, keys.ec];
  let signWith: KeyName = 'current';
  let jwksFetches = 0;
  const registrations: SeenRequest[] = [];
  const issuedHints = new Map<string, string | null>();

  const lms = {
    origin,
    issuer: origin,
    clientId,
    deploymentId,
    urls,
    /** Every client registration the tool posted, as received. */
    registrations,
    get jwksFetches() {
      return jwksFetches;
    },
    /** Served as is at `urls.openidConfiguration`: tests edit it to break the platform. */
    openidConfiguration: {
      issuer: origin,
      authorization_endpoint: urls.authorization,
      registration_endpoint: urls.registration,
      jwks_uri: urls.jwks,
      token_endpoint: urls.token,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'https://purl.imsglobal.org/spec/lti-ags/scope/score'],
      response_types_supported: ['id_token'],
      subject_types_supported: ['public', 'pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      claims_supported: ['sub', 'iss', 'name', 'given_name', 'family_name', 'email'],
      'https://purl.imsglobal.org/spec/lti-platform-configuration': {
        product_family_code: options.productFamilyCode ?? 'moodle',
        version: '4.5',
        messages_supported: [{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest' }],
      },
    } as Record<string, unknown>,
    /** Replace an endpoint's answer (a `{ fail: 'hang' }`, a 500...); null restores the real one. */
    answers: {
      openidConfiguration: null as Handler | null,
      jwks: null as Handler | null,
      registration: null as Handler | null,
    },

    /** The record the tool would hold after registering this platform. */
    platform(overrides: Partial<LtiPlatform> = {}): LtiPlatform {
      return {
        id: crypto.randomUUID(),
        name: `${options.productFamilyCode ?? 'moodle'} (${new URL(origin).host})`,
        issuer: origin,
        clientId,
        deploymentIds: deploymentId === null ? [] : [deploymentId],
        authorizationEndpoint: urls.authorization,
        jwksUrl: urls.jwks,
        tokenEndpoint: urls.token,
        trustsEmails: false,
        roleMapping: null,
        ...overrides,
      };
    },

    /** Key rotation: the next key is published and signs from now on; the old one is retired. */
    rotateKey() {
      published = [keys.next, keys.ec];
      signWith = 'next';
    },

    /** A valid learner's `LtiResourceLinkRequest` claims, issued at `now`. */
    launchClaims(now = Date.now()): Record<string, unknown> {
      const iat = Math.floor(now / 1000);
      return {
        iss: origin,
        aud: clientId,
        sub: `lms-user-${crypto.randomUUID().slice(0, 12)}`,
        iat,
        exp: iat + 300,
        nonce: crypto.randomUUID(),
        name: 'Ada Lovelace',
        given_name: 'Ada',
        family_name: 'Lovelace',
        email: `ada.${crypto.randomUUID().slice(0, 8)}@school.example`,
        [CLAIM.messageType]: 'LtiResourceLinkRequest',
        [CLAIM.version]: '1.3.0',
        [CLAIM.deploymentId]: deploymentId ?? 'no-deployment',
        [CLAIM.targetLinkUri]: LMS_TARGET,
        [CLAIM.resourceLink]: { id: 'resource-link-42', title: 'Week 1: Analytical Engines' },
        [CLAIM.roles]: [LEARNER, `${LIS}institution/person#Student`],
        [CLAIM.context]: { id: 'course-7', label: 'CS101', title: 'Introduction to Computing', type: [] },
        [CLAIM.custom]: { unit: '3' },
        [CLAIM.toolPlatform]: { guid: origin, product_family_code: 'moodle', version: '4.5' },
      };
    },

    async idToken(tokenOptions: IdTokenOptions = {}): Promise<string> {
      const claims: Record<string, unknown> = { ...lms.launchClaims(tokenOptions.now), ...tokenOptions.claims };
      for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
      const alg = tokenOptions.alg ?? (tokenOptions.key === 'ec' ? 'ES256' : 'RS256');
      const key = keys[tokenOptions.key ?? (alg === 'ES256' ? 'ec' : signWith)];
      const kid = tokenOptions.kid === undefined ? key.kid : tokenOptions.kid;
      const header = { alg, typ: 'JWT', ...(kid === null ? {} : { kid }) };
      if (alg === 'none') {
        const encode = (value: unknown) => base64url(new TextEncoder().encode(JSON.stringify(value)));
        return `${encode(header)}.${encode(claims)}.`;
      }
      const secret = alg === 'HS256' ? crypto.getRandomValues(new Uint8Array(32)) : key.privateKey;
      return new SignJWT(claims).setProtectedHeader(header).sign(secret);
    },

    /** The third-party login request the platform sends the browser with (LTI Core 1.3 §4.1). */
    loginParameters(overrides: Record<string, string | undefined> = {}): Record<string, string> {
      const loginHint = `hint-${crypto.randomUUID()}`;
      const messageHint = `message-${crypto.randomUUID()}`;
      issuedHints.set(loginHint, messageHint);
      const parameters: Record<string, string | undefined> = {
        iss: origin,
        login_hint: loginHint,
        target_link_uri: LMS_TARGET,
        lti_message_hint: messageHint,
        client_id: clientId,
        lti_deployment_id: deploymentId ?? undefined,
        ...overrides,
      };
      return Object.fromEntries(Object.entries(parameters).filter(([, value]) => value !== undefined)) as Record<
        string,
        string
      >;
    },

    /**
     * What the platform's authorization endpoint does with the tool's redirect: checks it as a
     * platform would, and answers with the form it auto-posts to `redirect_uri`.
     */
    async authorize(
      authorizationUrl: string,
      tokenOptions: IdTokenOptions = {},
    ): Promise<
      { ok: true; redirectUri: string; form: { id_token: string; state: string } } | { ok: false; error: string }
    > {
      const url = new URL(authorizationUrl);
      const query = url.searchParams;
      if (`${url.origin}${url.pathname}` !== urls.authorization) return { ok: false, error: 'wrong_endpoint' };
      const expected = { scope: 'openid', response_type: 'id_token', response_mode: 'form_post', prompt: 'none' };
      for (const [name, value] of Object.entries(expected)) {
        if (query.get(name) !== value) return { ok: false, error: `invalid_request: ${name}` };
      }
      if (query.get('client_id') !== clientId) return { ok: false, error: 'unauthorized_client' };
      const loginHint = query.get('login_hint') ?? '';
      if (!issuedHints.has(loginHint)) return { ok: false, error: 'invalid_request: login_hint' };
      if (query.get('lti_message_hint') !== issuedHints.get(loginHint)) {
        return { ok: false, error: 'invalid_request: lti_message_hint' };
      }
      const redirectUri = query.get('redirect_uri');
      const state = query.get('state');
      const nonce = query.get('nonce');
      if (!redirectUri || !state || !nonce) return { ok: false, error: 'invalid_request: redirect_uri, state, nonce' };
      const idToken = await lms.idToken({ ...tokenOptions, claims: { nonce, ...tokenOptions.claims } });
      return { ok: true, redirectUri, form: { id_token: idToken, state } };
    },
  };

  const serve =
    (override: () => Handler | null, real: (request: SeenRequest) => Answer) =>
    (request: SeenRequest): Answer => {
      const handler = override();
      if (!handler) return real(request);
      return typeof handler === 'function' ? handler(request) : handler;
    };

  net.on(
    'GET',
    urls.openidConfiguration,
    serve(
      () => lms.answers.openidConfiguration,
      () => ({ status: 200, body: lms.openidConfiguration }),
    ),
  );
  net.on(
    'GET',
    urls.jwks,
    serve(
      () => lms.answers.jwks,
      () => {
        jwksFetches++;
        return { status: 200, body: { keys: published.map((key) => key.publicJwk) } };
      },
    ),
  );
  net.on(
    'POST',
    urls.registration,
    serve(
      () => lms.answers.registration,
      (request) => {
        registrations.push(request);
        if (
          options.registrationToken &&
          request.headers.get('Authorization') !== `Bearer ${options.registrationToken}`
        ) {
          return { status: 401, body: { error: 'invalid_token' } };
        }
        if (request.headers.get('Content-Type') !== 'application/json') return { status: 415, body: {} };
        const body = JSON.parse(request.body) as Record<string, unknown>;
        const toolConfiguration = (body[TOOL_CONFIGURATION] ?? {}) as Record<string, unknown>;
        return {
          status: 200,
          body: {
            ...body,
            client_id: clientId,
            [TOOL_CONFIGURATION]: {
              ...toolConfiguration,
              ...(deploymentId === null ? {} : { deployment_id: deploymentId }),
            },
          },
        };
      },
    ),
  );
  return lms;
}
export type FakeLms = Awaited<ReturnType<typeof fakeLms>>;
