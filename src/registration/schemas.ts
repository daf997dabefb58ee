import { z } from '@hono/zod-openapi';
import { email, PublicUser, username } from '../accounts/schemas';
import { password } from '../credentials/schemas';

export const RegisterRequest = z
  .strictObject({
    email,
    username,
    password,
    password_confirm: z.string().max(1024),
    role: z
      .enum(['STUDENT', 'INSTRUCTOR'], { message: 'Self-registration may choose STUDENT or INSTRUCTOR only' })
      .default('STUDENT'),
  })
  .openapi('RegisterRequest', {
    example: {
      email: 'user@example.com',
      username: 'johndoe',
      password: 'SecurePass123!',
      password_confirm: 'SecurePass123!',
      role: 'STUDENT',
    },
  });

export const RegisterResponse = z.object({ user: PublicUser, message: z.string() }).openapi('RegisterResponse');

export const EmailRequest = z
  .strictObject({ email })
  .openapi('EmailRequest', { example: { email: 'user@example.com' } });
