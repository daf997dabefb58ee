import { Hono } from 'hono';
import { requireAuth } from '../auth/require-auth';
import { emptyBody, mfaDisableBody, mfaVerifyBody } from '../auth/schemas';
import type { AppEnv } from '../env';
import { rateLimit } from '../guard/guard';
import { validate } from '../http/validate';
import { scopeOf } from '../scope';
import { confirmMfaSetup, disableMfa, regenerateBackupCodes, startMfaSetup } from './service';

export const mfaRoutes = new Hono<AppEnv>()
  .use(requireAuth())
  .post('/enable', validate('json', emptyBody), async (c) => {
    const setup = await startMfaSetup(scopeOf(c), c.get('auth').user);
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
      await confirmMfaSetup(scopeOf(c), c.get('auth').user, c.req.valid('json').code);
      return c.json({ message: 'MFA activated successfully' });
    },
  )
  .post('/disable', validate('json', mfaDisableBody), async (c) => {
    await disableMfa(scopeOf(c), c.get('auth').user, c.req.valid('json').password);
    return c.json({ message: 'MFA disabled successfully' });
  })
  .post('/backup-codes', validate('json', emptyBody), async (c) => {
    const codes = await regenerateBackupCodes(scopeOf(c), c.get('auth').user);
    return c.json({ backup_codes: codes, message: 'Backup codes regenerated successfully' });
  });
