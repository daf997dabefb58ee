import { z } from 'zod';

export const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: 'Must be a valid email address' }));
/** Length is checked by the policy, which reports every broken rule at once; this only bounds work. */
export const password = z.string().min(1, 'Password is required').max(1024);
export const opaqueToken = z
  .string()
  .min(16)
  .max(256)
  .regex(/^[A-Za-z0-9_-]+$/, 'Malformed token');

export const registerBody = z.strictObject({
  email,
  username: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.-]{3,30}$/, 'Username must be 3-30 characters of letters, digits, "_", "." or "-"'),
  password,
  password_confirm: z.string().max(1024),
  role: z
    .enum(['STUDENT', 'INSTRUCTOR'], { message: 'Self-registration may choose STUDENT or INSTRUCTOR only' })
    .default('STUDENT'),
});

export const tokenBody = z.strictObject({ token: opaqueToken });
export const emailBody = z.strictObject({ email });
export const loginBody = z.strictObject({
  email,
  password,
  remember_me: z.boolean().default(false),
});
export const refreshBody = z.strictObject({ refresh_token: opaqueToken });
export const emptyBody = z.strictObject({});

export const resetBody = z.strictObject({
  token: opaqueToken,
  new_password: password,
  new_password_confirm: z.string().max(1024),
});
export const changePasswordBody = z.strictObject({
  current_password: password,
  new_password: password,
  new_password_confirm: z.string().max(1024),
});

const mfaCode = z
  .string()
  .trim()
  .regex(/^(\d{6}|\d{4}-?\d{4})$/, 'Must be a 6-digit code or a backup code like 1234-5678');

/**
 * Either the `mfa_token` of the 428 answer or, as in the seed, email and password again. One object
 * (not a union) so that a 400 names the missing or unknown fields.
 */
export const mfaLoginBody = z
  .strictObject({
    mfa_token: opaqueToken.optional(),
    email: email.optional(),
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
  .transform(({ mfa_token, email, password, mfa_code, remember_me }) =>
    mfa_token
      ? { mfa_token, mfa_code, remember_me }
      : { email: email as string, password: password as string, mfa_code, remember_me },
  );
export const mfaVerifyBody = z.strictObject({
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'Must be the 6-digit code from your app'),
});
/** The optional proof of a sensitive change (src/auth/reauthentication.ts); empty bodies still parse. */
export const reauthBody = z.strictObject({ password: password.optional(), mfa_code: mfaCode.optional() });
export const mfaDisableBody = reauthBody;
