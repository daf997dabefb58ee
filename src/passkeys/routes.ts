import { createRoute } from '@hono/zod-openapi';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { assertReauthenticated } from '../credentials/reauthentication';
import { ReauthProof } from '../credentials/schemas';
import { byClientIp, rateLimit } from '../middleware/rate-limit';
import { requireAuth } from '../middleware/require-auth';
import { errors, json, MessageBody, problem, ValidationProblem } from '../openapi/responses';
import { routes } from '../openapi/routes-factory';
import { scopeOf } from '../scope';
import { refreshCookieHeader } from '../sessions/schemas';
import { completeSignIn } from '../sign-in/complete';
import { LoginResponse } from '../sign-in/schemas';
import { passkeyNotFound, removalRefused, removeUserPasskey, renameUserPasskey } from './management';
import { finishPasskeyRegistration, startPasskeyRegistration } from './registration';
import {
  CreationOptions,
  PasskeyBody,
  PasskeyIdParam,
  PasskeyList,
  PasskeySignInOptionsRequest,
  PasskeySignInRequest,
  RegisterRequest,
  RenameRequest,
  RequestOptions,
} from './schemas';
import { signInWithPasskey, startPasskeySignIn } from './sign-in';
import { listPasskeys, toPasskeyView } from './store';

const bearer = [{ bearerAuth: [] }];
const body = <T>(schema: T, required = true) => ({ content: { 'application/json': { schema } }, required });
const reauthProblem =
  '`reauthentication_required` (no sign-in in the last 10 minutes and no proof), `invalid_password`, `invalid_mfa_code`';

const registerOptions = createRoute({
  method: 'post',
  operationId: 'passkeyRegistrationOptions',
  path: '/passkeys/register/options',
  tags: ['Passkeys'],
  summary: 'Start adding a passkey: creation options for `navigator.credentials.create()`',
  description:
    'Needs a sign-in less than 10 minutes old, or `password` (or `mfa_code`) in the body. The options ask for a discoverable credential and exclude the passkeys already registered; their challenge works once, for 5 minutes.',
  security: bearer,
  middleware: [requireAuth()] as const,
  request: { body: body(ReauthProof, false) },
  responses: {
    200: json(CreationOptions, 'Pass `options` to @simplewebauthn/browser `startRegistration({ optionsJSON })`'),
    ...errors(['auth', 'body', 'rateLimited', 'locked'], {
      400: problem(`${reauthProblem}, or invalid input`, ValidationProblem),
    }),
  },
});

const register = createRoute({
  method: 'post',
  operationId: 'registerPasskey',
  path: '/passkeys/register',
  tags: ['Passkeys'],
  summary: 'Finish adding a passkey (the owner is emailed)',
  security: bearer,
  middleware: [requireAuth()] as const,
  request: { body: body(RegisterRequest) },
  responses: {
    201: json(PasskeyBody, 'Registered'),
    ...errors(['auth', 'body', 'rateLimited', 'locked'], {
      400: problem(
        `\`passkey_rejected\` (expired or used challenge, origin or RP ID not allowed, bad attestation), ${reauthProblem}, or invalid input`,
        ValidationProblem,
      ),
      409: problem('`conflict`: this passkey is already registered'),
    }),
  },
});

const list = createRoute({
  method: 'get',
  operationId: 'listPasskeys',
  path: '/passkeys',
  tags: ['Passkeys'],
  summary: "The signed-in user's passkeys, oldest first",
  security: bearer,
  middleware: [requireAuth()] as const,
  responses: { 200: json(PasskeyList, 'Passkeys'), ...errors(['auth']) },
});

const rename = createRoute({
  method: 'patch',
  operationId: 'renamePasskey',
  path: '/passkeys/{id}',
  tags: ['Passkeys'],
  summary: 'Rename a passkey',
  security: bearer,
  middleware: [requireAuth()] as const,
  request: { params: PasskeyIdParam, body: body(RenameRequest) },
  responses: {
    200: json(PasskeyBody, 'Renamed'),
    ...errors(['auth', 'body'], { 404: problem('Not one of your passkeys') }),
  },
});

const remove = createRoute({
  method: 'delete',
  operationId: 'deletePasskey',
  path: '/passkeys/{id}',
  tags: ['Passkeys'],
  summary: 'Delete a passkey (refused if it is the last way to sign in)',
  security: bearer,
  middleware: [requireAuth()] as const,
  request: { params: PasskeyIdParam },
  responses: {
    200: json(MessageBody, 'Deleted'),
    ...errors(['auth'], {
      400: problem('`last_sign_in_method` (no password, provider or other passkey left), or invalid id'),
      404: problem('Not one of your passkeys'),
    }),
  },
});

const signInOptions = createRoute({
  method: 'post',
  operationId: 'passkeySignInOptions',
  path: '/login/passkey/options',
  tags: ['Sign-in'],
  summary: 'Start a passkey sign-in: request options for `navigator.credentials.get()`',
  description:
    'No email needed: the passkey names the account (discoverable credentials). User verification is required. The challenge works once, for 5 minutes.',
  middleware: [rateLimit('loginPerIp', byClientIp)] as const,
  request: { body: body(PasskeySignInOptionsRequest, false) },
  responses: {
    200: json(RequestOptions, 'Pass `options` to @simplewebauthn/browser `startAuthentication({ optionsJSON })`'),
    ...errors(['body', 'rateLimited']),
  },
});

const signIn = createRoute({
  method: 'post',
  operationId: 'signInWithPasskey',
  path: '/login/passkey',
  tags: ['Sign-in'],
  summary: 'Sign in with a passkey (no password; satisfies MFA)',
  description:
    'A user-verified passkey is two factors at once: a user with MFA gets the session directly, never a 428. Any failed check answers the same 400 `invalid_credentials`.',
  middleware: [rateLimit('loginPerIp', byClientIp)] as const,
  request: { body: body(PasskeySignInRequest) },
  responses: {
    200: { ...json(LoginResponse, 'Signed in: a new session'), headers: refreshCookieHeader },
    ...errors(['body', 'rateLimited', 'locked'], {
      400: problem(
        '`invalid_credentials`: the assertion failed (the same answer whatever the check), or invalid input',
        ValidationProblem,
      ),
      403: problem('`email_not_verified`, `account_suspended` or `account_disabled`'),
    }),
  },
});

export const passkeyRoutes = routes()
  .openapi(registerOptions, async (c) => {
    const scope = scopeOf(c);
    const auth = c.get('auth');
    await assertReauthenticated(scope, auth, c.req.valid('json'));
    return c.json({ options: await startPasskeyRegistration(scope, auth.user) }, 200);
  })
  .openapi(register, async (c) => {
    const scope = scopeOf(c);
    const auth = c.get('auth');
    const { response, name, ...proof } = c.req.valid('json');
    await assertReauthenticated(scope, auth, proof);
    const passkey = await finishPasskeyRegistration(scope, auth.user, {
      // Shape checked by the schema; every cryptographic check happens in the ceremony wrapper.
      response: response as RegistrationResponseJSON,
      name,
    });
    return c.json({ passkey: toPasskeyView(passkey) }, 201);
  })
  .openapi(list, async (c) => {
    const rows = await listPasskeys(scopeOf(c).db, c.get('auth').user.id);
    return c.json(rows.map(toPasskeyView), 200);
  })
  .openapi(rename, async (c) => {
    const { id } = c.req.valid('param');
    const passkey = await renameUserPasskey(scopeOf(c), c.get('auth').user.id, id, c.req.valid('json').name);
    if (!passkey) throw passkeyNotFound();
    return c.json({ passkey: toPasskeyView(passkey) }, 200);
  })
  .openapi(remove, async (c) => {
    const removal = await removeUserPasskey(scopeOf(c), c.get('auth').user.id, c.req.valid('param').id);
    if (!removal.removed) throw removalRefused(removal.reason);
    return c.json({ message: 'Passkey deleted successfully' }, 200);
  })
  .openapi(signInOptions, async (c) => c.json({ options: await startPasskeySignIn(scopeOf(c)) }, 200))
  .openapi(signIn, async (c) => {
    const scope = scopeOf(c);
    const { response, remember_me } = c.req.valid('json');
    const user = await signInWithPasskey(scope, response as AuthenticationResponseJSON);
    const login = await completeSignIn(scope, user, {
      rememberMe: remember_me,
      method: 'passkey',
      amr: ['passkey'],
      message: 'Passkey authentication successful',
    });
    return c.json(login, 200);
  });
