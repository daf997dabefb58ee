import { z } from '@hono/zod-openapi';
import { password } from '../credentials/schemas';
import { opaqueToken } from '../tokens/schemas';

export const ResetRequest = z
  .strictObject({ token: opaqueToken, new_password: password, new_password_confirm: z.string().max(1024) })
  .openapi('PasswordResetRequest', {
    example: {
      token: 'token-from-the-emailed-link-0123456789',
      new_password: 'NewSecurePass123!',
      new_password_confirm: 'NewSecurePass123!',
    },
  });

export const ChangeRequest = z
  .strictObject({ current_password: password, new_password: password, new_password_confirm: z.string().max(1024) })
  .openapi('PasswordChangeRequest', {
    example: { current_password: 'OldPass123!', new_password: 'NewPass123!', new_password_confirm: 'NewPass123!' },
  });
