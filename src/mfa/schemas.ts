import { z } from '@hono/zod-openapi';
import { email } from '../accounts/schemas';
import { mfaCode, password } from '../credentials/schemas';
import { opaqueToken } from '../tokens/schemas';

/**
 * Either the `mfa_token` of the 428 answer or, as in the seed, email and password again. One object
 * (not a union) so that a 400 names the missing or unknown fields.
 */
export const MfaLoginRequest = z
  .strictObject({
    mfa_token: opaqueToken.optional().openapi({ description: 'From the 428 answer of the first step' }),
    email: email.optional().openapi({ description: 'The seed form: email and password again' }),
    password: password.optional(),
    mfa_code: mfaCode,
    remember_me: z.boolean().default(false),
  })
  .superRefine((body, ctx) => {
    if (body.mfa_token) {
      if (body.email || body.password) {
        ctx.addIssue({
          code: 'custom',
          path: ['mfa_token'],
          message: 'Send mfa_token or email and password, not both',
        });
      }
      return;
    }
    for (const field of ['email', 'password'] as const) {
      if (!body[field]) ctx.addIssue({ code: 'custom', path: [field], message: 'Required when no mfa_token is sent' });
    }
  })
  .openapi('MfaLoginRequest', {
    example: { email: 'user@example.com', password: 'SecurePass123!', mfa_code: '123456' },
  });

export const MfaVerifyRequest = z
  .strictObject({
    code: z
      .string()
      .trim()
      .regex(/^\d{6}$/, 'Must be the 6-digit code from your app'),
  })
  .openapi('MfaVerifyRequest', { example: { code: '123456' } });

export const MfaSetup = z
  .object({
    secret: z.string().openapi({ description: 'Base32, for manual entry' }),
    otpauth_url: z.string().openapi({ example: 'otpauth://totp/Learning%20Platform:user%40example.com?secret=…' }),
    qr_code: z.string().openapi({ description: '`data:image/svg+xml;base64,…` of the otpauth URI' }),
    backup_codes: z.array(z.string()).openapi({ example: ['1234-5678', '2345-6789'] }),
    message: z.string(),
  })
  .openapi('MfaSetup');

export const BackupCodes = z.object({ backup_codes: z.array(z.string()), message: z.string() }).openapi('BackupCodes', {
  example: { backup_codes: ['1234-5678'], message: 'Backup codes regenerated successfully' },
});
