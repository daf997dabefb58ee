import { audit } from '../audit/log';
import type { Passkey } from '../db/schema';
import { ApiError } from '../errors';
import type { Scope } from '../scope';
import { deletePasskey, type PasskeyRemoval, renamePasskey } from './store';

/** Renames one of `userId`'s passkeys; undefined when it is not theirs (or does not exist). */
export async function renameUserPasskey(
  scope: Scope,
  userId: string,
  id: string,
  name: string,
): Promise<Passkey | undefined> {
  const passkey = await renamePasskey(scope.db, userId, id, name);
  if (passkey) audit(scope, 'passkey.renamed', { userId, details: { id, name } });
  return passkey;
}

/**
 * Deletes one of `userId`'s passkeys, by its owner or by staff (`actorId`), unless it is the last
 * way to sign in. Audited either way it succeeds.
 */
export async function removeUserPasskey(
  scope: Scope,
  userId: string,
  id: string,
  actorId: string = userId,
): Promise<PasskeyRemoval> {
  const removal = await deletePasskey(scope.db, userId, id);
  if (removal.removed) {
    audit(scope, actorId === userId ? 'passkey.deleted' : 'admin.passkey_deleted', {
      userId,
      actorId,
      details: { id, name: removal.removed.name },
    });
  }
  return removal;
}

/** The answer to a refused deletion, for the owner's route and the admin's alike. */
export function removalRefused(reason: Extract<PasskeyRemoval, { removed: null }>['reason']): ApiError {
  if (reason === 'not_found') return passkeyNotFound();
  return new ApiError('last_sign_in_method', {
    detail:
      'This passkey is the only way left to sign in: set a password (through "forgot password"), link a provider or add another passkey first',
  });
}

export function passkeyNotFound(): ApiError {
  return new ApiError('not_found', { detail: 'No such passkey' });
}
