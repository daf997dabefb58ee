import { z } from '@hono/zod-openapi';

/** Length is checked by the policy, which reports every broken rule at once; this only bounds work. */
export const password = z.string().min(1, 'Password is required').max(1024).openapi({ example: 'SecurePass123!' });

export const mfaCode = z
  .string()
  .trim()
  .regex(/^(\d{6}|\d{4}-?\d{4})$/, 'Must be a 6-digit code or a backup code like 1234-5678')
  .openapi({ description: 'A TOTP code (`123456`) or a backup code (`1234-5678`)', example: '123456' });

/**
 * The optional proof that confirms a sensitive change (credentials/reauthentication.ts). Without
 * either, a sign-in younger than 10 minutes is the proof, so the seed's empty bodies still work.
 */
export const ReauthProof = z
  .strictObject({
    password: password.optional().openapi({ description: 'The current password' }),
    mfa_code: mfaCode.optional().openapi({ description: 'A current TOTP or backup code, when MFA is on' }),
  })
  .openapi('ReauthProof');
