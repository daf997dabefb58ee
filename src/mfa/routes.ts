import { Hono } from 'hono';
import { assertReauthenticated } from '../auth/reauthentication';
import { requireAuth } from '../auth/require-auth';
import { mfaDisableBody, mfaVerifyBody, reauthBody } from '../auth/schemas';
import type { AppEnv } from '../env';
import { rateLimit } from '../guard/guard';
import { validate } from '../http/validate';
import { scopeOf } from '../scope';
import { assertMfaConfigured, confirmMfaSetup, regenerateBackupCodes, removeMfa, startMfaSetup } from './service';

export const mfaRoutes = new Hono<AppEnv>()
  .use(requireAuth())
  .post('/enable', validate('json', reauthBody), async (c) => {
    const scope = scopeOf(c);
    const auth = c.get('auth');
    await assertReauthenticated(scope, auth, c.req.valid('json'));
    const setup = await startMfaSetup(scope, auth.user);
    return c.json({
      secret: setup.secret,
      otpauth_url: setup.otpauthUrl,
      qr_code: setup.qrCode,
      backup_codes: setup.backupCodes,
      message: 'Scan the QR code with your authenticator app and verify with a code',
    });
  })
  .post(
    '/verify',
    validate('json', mfaVerifyBody),
    rateLimit('mfaPerAccount', (c) => c.get('auth').user.id),
    async (c) => {
      const { user, session } = c.get('auth');
      await confirmMfaSetup(scopeOf(c), user, session.id, c.req.valid('json').code);
      return c.json({ message: 'MFA activated successfully' });
    },
  )
  .post('/disable', validate('json', mfaDisableBody), async (c) => {
    const scope = scopeOf(c);
    const auth = c.get('auth');
    assertMfaConfigured(auth.user);
    // A recent session alone does not turn the second factor off, unless there is no password to ask for.
    await assertReauthenticated(scope, auth, c.req.valid('json'), 'password-less-only');
    await removeMfa(scope, auth.user, auth.user.id);
    return c.json({ message: 'MFA disabled successfully' });
  })
  .post('/backup-codes', validate('json', reauthBody), async (c) => {
    const scope = scopeOf(c);
    const auth = c.get('auth');
    await assertReauthenticated(scope, auth, c.req.valid('json'));
    const codes = await regenerateBackupCodes(scope, auth.user);
    return c.json({ backup_codes: codes, message: 'Backup codes regenerated successfully' });
  });
