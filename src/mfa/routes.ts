import { createRoute } from '@hono/zod-openapi';
import { assertReauthenticated } from '../credentials/reauthentication';
import { ReauthProof } from '../credentials/schemas';
import { byClientIp, byUser, rateLimit } from '../middleware/rate-limit';
import { requireAuth } from '../middleware/require-auth';
import { errors, json, MessageBody, problem, ValidationProblem } from '../openapi/responses';
import { routes } from '../openapi/routes-factory';
import { scopeOf } from '../scope';
import { refreshCookieHeader } from '../sessions/schemas';
import { completeSignIn } from '../sign-in/complete';
import { LoginResponse } from '../sign-in/schemas';
import { BackupCodes, MfaLoginRequest, MfaSetup, MfaVerifyRequest } from './schemas';
import { assertMfaConfigured, confirmMfaSetup, regenerateBackupCodes, removeMfa, startMfaSetup } from './setup';
import { signInWithMfa } from './sign-in';

const bearer = [{ bearerAuth: [] }];
const proofBody = { content: { 'application/json': { schema: ReauthProof } }, required: false };
const reauthProblems = {
  400: problem(
    '`reauthentication_required` (no recent sign-in and no proof), `invalid_password`, `invalid_mfa_code`, or invalid input',
  ),
};

const loginMfa = createRoute({
  method: 'post',
  operationId: 'signInWithMfa',
  path: '/login/mfa',
  tags: ['Sign-in'],
  summary: 'Second step of a sign-in: the TOTP or backup code',
  middleware: [rateLimit('loginPerIp', byClientIp)] as const,
  request: { body: { content: { 'application/json': { schema: MfaLoginRequest } }, required: true } },
  responses: {
    200: { ...json(LoginResponse, 'Signed in'), headers: refreshCookieHeader },
    ...errors(['body', 'rateLimited', 'locked'], {
      400: problem(
        '`invalid_mfa_code`, `invalid_mfa_token`, `invalid_credentials` (400, not 401, so that an SPA refreshing on 401 shows them), `mfa_not_enabled`, or invalid input',
        ValidationProblem,
      ),
      403: problem('`email_not_verified`, `account_suspended`, `account_disabled` or `account_pending_deletion`'),
    }),
  },
});

const enable = createRoute({
  method: 'post',
  operationId: 'enableMfa',
  path: '/mfa/enable',
  tags: ['MFA'],
  summary: 'Start MFA setup: a new secret, QR code and backup codes (pending until verified)',
  security: bearer,
  middleware: [requireAuth()] as const,
  request: { body: proofBody },
  responses: {
    200: json(MfaSetup, 'Scan, then verify with a code'),
    ...errors(['auth', 'body', 'rateLimited', 'locked'], {
      ...reauthProblems,
      409: problem('`mfa_already_enabled`'),
    }),
  },
});

const verify = createRoute({
  method: 'post',
  operationId: 'verifyMfa',
  path: '/mfa/verify',
  tags: ['MFA'],
  summary: 'Turn MFA on with a code from the app',
  description: 'Every other session of the account ends; the owner is emailed.',
  security: bearer,
  middleware: [requireAuth(), rateLimit('mfaPerAccount', byUser)] as const,
  request: { body: { content: { 'application/json': { schema: MfaVerifyRequest } }, required: true } },
  responses: {
    200: json(MessageBody, 'MFA on'),
    ...errors(['auth', 'body', 'rateLimited', 'locked'], {
      400: problem('`invalid_mfa_code` (400, not 401: the caller is signed in), `mfa_not_pending`, or invalid input'),
      409: problem('`mfa_already_enabled`'),
    }),
  },
});

const disable = createRoute({
  method: 'post',
  operationId: 'disableMfa',
  path: '/mfa/disable',
  tags: ['MFA'],
  summary: 'Turn MFA off: the password, or a current code',
  security: bearer,
  middleware: [requireAuth()] as const,
  request: { body: proofBody },
  responses: {
    200: json(MessageBody, 'MFA off; the owner is emailed'),
    ...errors(['auth', 'body', 'rateLimited', 'locked'], {
      400: problem('`invalid_password`, `invalid_mfa_code`, `mfa_not_enabled`, `reauthentication_required`, or input'),
    }),
  },
});

const backupCodes = createRoute({
  method: 'post',
  operationId: 'regenerateBackupCodes',
  path: '/mfa/backup-codes',
  tags: ['MFA'],
  summary: 'Replace the 8 backup codes (the old set is void)',
  security: bearer,
  middleware: [requireAuth()] as const,
  request: { body: proofBody },
  responses: {
    200: json(BackupCodes, 'The new set, shown once'),
    ...errors(['auth', 'body', 'rateLimited', 'locked'], {
      400: problem('`mfa_not_enabled`, `reauthentication_required`, `invalid_password`, `invalid_mfa_code`, or input'),
    }),
  },
});

export const mfaRoutes = routes()
  .openapi(loginMfa, async (c) => {
    const scope = scopeOf(c);
    const { mfa_token, email, password, mfa_code, remember_me } = c.req.valid('json');
    const input = mfa_token
      ? { mfa_token, mfa_code }
      : { email: email as string, password: password as string, mfa_code };
    const { user, amr } = await signInWithMfa(scope, input);
    return c.json(await completeSignIn(scope, user, { rememberMe: remember_me, method: 'mfa', amr }), 200);
  })
  .openapi(enable, async (c) => {
    const scope = scopeOf(c);
    const auth = c.get('auth');
    await assertReauthenticated(scope, auth, c.req.valid('json'));
    const setup = await startMfaSetup(scope, auth.user);
    return c.json(
      {
        secret: setup.secret,
        otpauth_url: setup.otpauthUrl,
        qr_code: setup.qrCode,
        backup_codes: setup.backupCodes,
        message: 'Scan the QR code with your authenticator app and verify with a code',
      },
      200,
    );
  })
  .openapi(verify, async (c) => {
    const { user, session } = c.get('auth');
    await confirmMfaSetup(scopeOf(c), user, session.id, c.req.valid('json').code);
    return c.json({ message: 'MFA activated successfully' }, 200);
  })
  .openapi(disable, async (c) => {
    const scope = scopeOf(c);
    const auth = c.get('auth');
    assertMfaConfigured(auth.user);
    // A recent session alone does not turn the second factor off, unless there is no password to ask for.
    await assertReauthenticated(scope, auth, c.req.valid('json'), 'password-less-only');
    await removeMfa(scope, auth.user, auth.user.id);
    return c.json({ message: 'MFA disabled successfully' }, 200);
  })
  .openapi(backupCodes, async (c) => {
    const scope = scopeOf(c);
    const auth = c.get('auth');
    await assertReauthenticated(scope, auth, c.req.valid('json'));
    const codes = await regenerateBackupCodes(scope, auth.user);
    return c.json({ backup_codes: codes, message: 'Backup codes regenerated successfully' }, 200);
  });
