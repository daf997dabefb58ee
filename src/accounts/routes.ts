import { createRoute } from '@hono/zod-openapi';
import { audit } from '../audit/log';
import { byUser, rateLimit } from '../middleware/rate-limit';
import { readsFromReplica, requireAuth } from '../middleware/require-auth';
import { errors, json, MessageBody, problem } from '../openapi/responses';
import { routes } from '../openapi/routes-factory';
import { scopeOf } from '../scope';
import { TokenRequest } from '../tokens/schemas';
import { cancelDeletion, requestOwnDeletion } from './deletion';
import { confirmEmailChange, requestEmailChange } from './email-change';
import { AccountExport, EXPORT_SECTIONS } from './export-sections';
import { exportStream } from './export-stream';
import { updateProfile } from './profile';
import { DeletionRequest, DeletionScheduled, EmailChangeRequest, Me, ProfileUpdate } from './schemas';
import { toPublicUser } from './users';

const bearer = [{ bearerAuth: [] }];
const body = <T>(schema: T) => ({ content: { 'application/json': { schema } }, required: true });
const reauthProblems = (more: string) =>
  problem(
    `\`reauthentication_required\` (no proof and no sign-in in the last 10 minutes), \`invalid_password\`, \`invalid_mfa_code\`${more}, or invalid input`,
  );

const me = createRoute({
  method: 'get',
  operationId: 'getMe',
  path: '/me',
  tags: ['Account'],
  summary: 'The signed-in user',
  security: bearer,
  // A replica may answer: see README, "Reads and D1 replicas".
  middleware: [readsFromReplica(), requireAuth()] as const,
  responses: { 200: json(Me, 'The user object, with its locale'), ...errors(['auth']) },
});

const updateMe = createRoute({
  method: 'patch',
  operationId: 'updateMe',
  path: '/me',
  tags: ['Account'],
  summary: 'Change the username or the locale (the language of every email from now on)',
  security: bearer,
  middleware: [requireAuth()] as const,
  request: { body: body(ProfileUpdate) },
  responses: {
    200: json(Me, 'The user as it now is'),
    ...errors(['auth', 'body'], { 409: problem('`username_taken`') }),
  },
});

const changeEmail = createRoute({
  method: 'post',
  operationId: 'requestEmailChange',
  path: '/me/email',
  tags: ['Account'],
  summary: 'Ask to change the email address: a confirmation link goes to the new one',
  description:
    'Needs the current password (or a current MFA code); accounts without a password need a sign-in less than 10 minutes old instead. The current address gets a notice without the link. Nothing changes until `me/email/confirm/`.',
  security: bearer,
  middleware: [requireAuth()] as const,
  request: { body: body(EmailChangeRequest) },
  responses: {
    202: json(MessageBody, 'The confirmation link was sent to the new address (valid 1 hour)'),
    ...errors(['auth', 'body', 'rateLimited', 'locked'], {
      400: reauthProblems(', the new address is the current one'),
      409: problem('`email_taken`: a verified account has this address'),
    }),
  },
});

const confirmEmail = createRoute({
  method: 'post',
  operationId: 'confirmEmailChange',
  path: '/me/email/confirm',
  tags: ['Account'],
  summary: 'Switch to the new address with the emailed token (single use, 1 h)',
  request: { body: body(TokenRequest) },
  responses: {
    200: json(MessageBody, 'The account now uses the new address'),
    ...errors(['body'], {
      400: problem('`invalid_token` (unknown, used, expired, or the address changed meanwhile), or invalid input'),
      409: problem('`email_taken`: a verified account took the address meanwhile'),
    }),
  },
});

const exportMe = createRoute({
  method: 'get',
  operationId: 'exportMyData',
  path: '/me/export',
  tags: ['Account'],
  summary: 'Download everything the service holds about the user (JSON, streamed)',
  description:
    'Profile, MFA status, linked providers, sessions, the whole sign-in history and the audit entries about the user; never a secret, hash or token. Streamed with `Content-Disposition: attachment`; a download cut short is not valid JSON.',
  security: bearer,
  middleware: [requireAuth(), rateLimit('exportPerAccount', byUser)] as const,
  responses: {
    200: {
      ...json(AccountExport, 'The export document'),
      headers: {
        'Content-Disposition': {
          description: '`attachment; filename="account-export-<date>.json"`',
          schema: { type: 'string' as const },
        },
      },
    },
    ...errors(['auth', 'rateLimited']),
  },
});

const deleteMe = createRoute({
  method: 'post',
  operationId: 'requestAccountDeletion',
  path: '/me/delete',
  tags: ['Account'],
  summary: 'Delete the account after a grace period (ACCOUNT_DELETION_GRACE, 7 days by default)',
  description:
    'Needs the password when the account has one, and a current MFA code when MFA is on; an account with neither needs a sign-in less than 10 minutes old. Every session ends at once and sign-in answers `403 account_pending_deletion`; the emailed link cancels the deletion until it falls due, then the nightly job erases the account.',
  security: bearer,
  middleware: [requireAuth()] as const,
  request: { body: { content: { 'application/json': { schema: DeletionRequest } }, required: false } },
  responses: {
    202: json(DeletionScheduled, 'Scheduled; every session is signed out'),
    ...errors(['auth', 'body', 'rateLimited', 'locked'], {
      400: reauthProblems(', a missing `password` or `mfa_code`'),
      409: problem('`deletion_pending`: already scheduled'),
    }),
  },
});

const cancelDelete = createRoute({
  method: 'post',
  operationId: 'cancelAccountDeletion',
  path: '/me/delete/cancel',
  tags: ['Account'],
  summary: 'Keep the account: cancel its deletion with the emailed token, within the grace period',
  request: { body: body(TokenRequest) },
  responses: {
    200: json(MessageBody, 'Restored; sign in again'),
    ...errors(['body'], {
      400: problem('`invalid_token` (unknown, used, or the grace period is over), or invalid input'),
    }),
  },
});

export const accountRoutes = routes()
  .openapi(me, (c) => {
    const { user } = c.get('auth');
    return c.json({ ...toPublicUser(user), locale: user.locale }, 200);
  })
  .openapi(updateMe, async (c) => {
    const user = await updateProfile(scopeOf(c), c.get('auth').user, c.req.valid('json'));
    return c.json({ ...toPublicUser(user), locale: user.locale }, 200);
  })
  .openapi(changeEmail, async (c) => {
    await requestEmailChange(scopeOf(c), c.get('auth'), c.req.valid('json'));
    return c.json({ message: 'A confirmation link was sent to the new address; it is valid for 1 hour' }, 202);
  })
  .openapi(confirmEmail, async (c) => {
    await confirmEmailChange(scopeOf(c), c.req.valid('json').token);
    return c.json({ message: 'Email address changed' }, 200);
  })
  .openapi(exportMe, async (c) => {
    const scope = scopeOf(c);
    const { user } = c.get('auth');
    const now = new Date();
    audit(scope, 'user.data_exported', { userId: user.id });
    const stream = exportStream({ db: scope.db, user, now }, EXPORT_SECTIONS, scope.requestId);
    return c.body(stream, 200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="account-export-${now.toISOString().slice(0, 10)}.json"`,
    });
  })
  .openapi(deleteMe, async (c) => {
    const dueAt = await requestOwnDeletion(scopeOf(c), c.get('auth'), c.req.valid('json'));
    return c.json(
      {
        message: 'The account will be deleted; the email we sent has a link to cancel',
        deletion_due_at: dueAt.toISOString(),
      },
      202,
    );
  })
  .openapi(cancelDelete, async (c) => {
    await cancelDeletion(scopeOf(c), c.req.valid('json').token);
    return c.json({ message: 'The deletion was cancelled; sign in again to use the account' }, 200);
  });
