import { z } from '@hono/zod-openapi';
import { mfaCode, password } from '../credentials/schemas';
import { ROLES } from '../db/schema';

/** Trimmed, at most 254 characters; compared case-insensitively (stored lower-case). */
export const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: 'Must be a valid email address' }))
  .openapi({ type: 'string', format: 'email', maxLength: 254, example: 'user@example.com' });

export const EmailRequest = z
  .strictObject({ email })
  .openapi('EmailRequest', { example: { email: 'user@example.com' } });

export const username = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{3,30}$/, 'Username must be 3-30 characters of letters, digits, "_", "." or "-"')
  .openapi({ example: 'johndoe' });

/** The user the document's examples show. */
const USER_EXAMPLE = {
  id: '6f1c1f8e-6d5a-4a8e-9d3e-2f3c4b5a6d7e',
  username: 'johndoe',
  email: 'user@example.com',
  role: 'STUDENT',
  is_email_verified: true,
  is_active: true,
  is_suspended: false,
  mfa_enabled: false,
  last_login_at: '2026-11-30T08:05:00.000Z',
  created_at: '2026-09-01T10:00:00.000Z',
} as const;

/** The user object of the seed's API. */
export const PublicUser = z
  .object({
    id: z.uuid(),
    username: z.string(),
    email: z.email(),
    role: z.enum(ROLES),
    is_email_verified: z.boolean(),
    is_active: z.boolean(),
    is_suspended: z.boolean(),
    mfa_enabled: z.boolean(),
    last_login_at: z.iso.datetime().nullable(),
    created_at: z.iso.datetime(),
  })
  .openapi('User', {
    example: USER_EXAMPLE,
  });

// --- account self-service (issue 17) ---

export const locale = z.enum(['en', 'fr']).openapi({ description: 'The language of every email sent to the user' });

/** `me/`: the user object of the seed, plus what only its owner reads. */
export const Me = PublicUser.extend({ locale }).openapi('Me', {
  example: { ...USER_EXAMPLE, locale: 'en' },
});

export const ProfileUpdate = z
  .strictObject({
    username: username.optional().openapi({ description: 'Unique (case-insensitively), as at registration' }),
    locale: locale.optional(),
  })
  .refine((changes) => changes.username !== undefined || changes.locale !== undefined, {
    message: 'Give username, locale or both',
  })
  .openapi('ProfileUpdate', { example: { username: 'jane.doe', locale: 'fr' } });

export const EmailChangeRequest = z
  .strictObject({
    new_email: email,
    password: password.optional().openapi({ description: 'The current password: required when the account has one' }),
    mfa_code: mfaCode
      .optional()
      .openapi({ description: 'Instead of the password, a current TOTP or backup code when MFA is on' }),
  })
  .openapi('EmailChangeRequest', { example: { new_email: 'jane@school.example', password: 'SecurePass123!' } });

export const DeletionRequest = z
  .strictObject({
    password: password.optional().openapi({ description: 'The current password: required when the account has one' }),
    mfa_code: mfaCode
      .optional()
      .openapi({ description: 'A current TOTP or backup code: required when MFA is on (besides the password)' }),
  })
  .openapi('DeletionRequest', { example: { password: 'SecurePass123!', mfa_code: '123456' } });

export const DeletionScheduled = z
  .object({
    message: z.string(),
    deletion_due_at: z.iso.datetime().openapi({ description: 'When the nightly job erases the account' }),
  })
  .openapi('DeletionScheduled', {
    example: {
      message: 'The account will be deleted; the email we sent has a link to cancel',
      deletion_due_at: '2026-12-07T08:05:00.000Z',
    },
  });
