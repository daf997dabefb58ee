import { z } from '@hono/zod-openapi';
import { email, PublicUser } from '../accounts/schemas';
import { password } from '../credentials/schemas';
import { SessionTokens } from '../sessions/schemas';

export const LoginRequest = z
  .strictObject({
    email,
    password,
    remember_me: z.boolean().default(false).openapi({ description: '30-day session instead of 24 h' }),
  })
  .openapi('LoginRequest', { example: { email: 'user@example.com', password: 'SecurePass123!', remember_me: true } });

/** The body of every successful sign-in (password, MFA step, providers). */
export const LoginResponse = SessionTokens.extend({ user: PublicUser, message: z.string() }).openapi('LoginResponse');
