import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signInMethodsOf } from '../../src/accounts/rules';
import { findUserById } from '../../src/accounts/users';
import { openDatabase } from '../../src/db/client';
import { del, json, post, problem } from '../helpers/api';
import { captureConsole } from '../helpers/mail';
import { assertion, passkeySignIn, withPasskey } from '../helpers/passkeys';
import { signedInUser } from '../helpers/users';
import { fakeGoogle, fakeNetwork, GOOGLE_REDIRECT, googleAccount, OAUTH_ENV } from '../oauth/fake-providers';

const net = fakeNetwork();
beforeEach(() => {
  captureConsole();
  net.install();
});
afterEach(() => net.reset());

const db = openDatabase(env.DB);
const methodsOf = async (id: string) => signInMethodsOf(db, (await findUserById(db, id))!);

async function googleOnlyUser() {
  const account = googleAccount();
  fakeGoogle(net, account);
  const response = await post(
    'oauth/google',
    { code: account.code, redirect_uri: GOOGLE_REDIRECT },
    { env: OAUTH_ENV },
  );
  const body = await json(response);
  return { id: body.user.id as string, token: body.access_token as string };
}

describe('passkeys as a sign-in method', () => {
  it('are listed with the password and the providers', async () => {
    const user = await signedInUser();
    const { passkey } = await withPasskey(user.access_token, {}, { name: 'Laptop' });
    expect(await methodsOf(user.id)).toEqual([
      { kind: 'password' },
      { kind: 'passkey', id: passkey.id, name: 'Laptop' },
    ]);
  });

  it('let a password-less user unlink the last provider, then keep the last passkey', async () => {
    const user = await googleOnlyUser();
    await problem(
      await post('oauth/unlink', { provider: 'GOOGLE' }, { token: user.token, env: OAUTH_ENV }),
      400,
      'last_sign_in_method',
    );
    const { authenticator, passkey } = await withPasskey(user.token);
    const unlinked = await post('oauth/unlink', { provider: 'GOOGLE' }, { token: user.token, env: OAUTH_ENV });
    expect(unlinked.status).toBe(200);
    expect(await methodsOf(user.id)).toEqual([{ kind: 'passkey', id: passkey.id, name: expect.any(String) }]);

    await problem(await del(`passkeys/${passkey.id}`, { token: user.token }), 400, 'last_sign_in_method');
    expect((await passkeySignIn(await assertion(authenticator))).status).toBe(200);
  });
});
