import { env } from 'cloudflare:workers';
import { json, PASSWORD, post } from './api';
import { captureConsole, tokenFromLink } from './mail';

let counter = 0;
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}${counter}.${crypto.randomUUID().slice(0, 8)}@example.com`;
}

export function usernameFor(email: string): string {
  return email
    .split('@')[0]!
    .replace(/[^A-Za-z0-9_.-]/g, '')
    .slice(0, 30);
}

/** Registers through the API and follows the verification link printed by the console transport. */
export async function registerVerified(email = uniqueEmail(), password = PASSWORD) {
  const mail = captureConsole();
  try {
    const registered = await post('register', {
      email,
      username: usernameFor(email),
      password,
      password_confirm: password,
    });
    if (registered.status !== 201) throw new Error(`register failed: ${await registered.text()}`);
    const user = (await json(registered)).user as { id: string; email: string };
    const token = tokenFromLink(mail.lastEmailTo(email).text, '/verify-email');
    const verified = await post('verify-email', { token });
    if (verified.status !== 200) throw new Error(`verify failed: ${await verified.text()}`);
    return { id: user.id, email, password };
  } finally {
    mail.restore();
  }
}

export async function login(email: string, password = PASSWORD, extra: Record<string, unknown> = {}) {
  const response = await post('login', { email, password, ...extra });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  return json<{ access_token: string; refresh_token: string; expires_at: string; user: { id: string } }>(response);
}

export async function signedInUser(email = uniqueEmail()) {
  const user = await registerVerified(email);
  return { ...user, ...(await login(email)) };
}

export function sql(query: string, ...params: unknown[]) {
  return env.DB.prepare(query).bind(...params);
}
