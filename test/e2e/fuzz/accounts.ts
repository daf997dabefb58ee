import { Secret, TOTP } from 'otpauth';
import { type DevServer, promoteToSuperAdmin, waitForOutput } from '../dev-server';

/**
 * Real accounts on the dev server, made the way a person makes them: register, follow the link the
 * console email transport prints, sign in. The staff member is promoted with `npm run admin:promote`.
 */
export const PASSWORD = 'Fuzz-Account-Passw0rd!';

export interface Account {
  email: string;
  id: string;
  accessToken: string;
  refreshToken: string;
  /** Set on the account with MFA on: its TOTP secret. */
  totp?: TOTP;
}

async function api(server: DevServer, method: string, route: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`${server.url}/api/auth/${route}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

let made = 0;

export async function registerVerified(server: DevServer, label: string): Promise<Account> {
  made++;
  const unique = `${label}${made}x${Date.now().toString(36)}`;
  const email = `fuzz.${unique}@example.com`;
  const registered = await api(server, 'POST', 'register', {
    email,
    username: `fz_${unique}`.slice(0, 30),
    password: PASSWORD,
    password_confirm: PASSWORD,
  });
  if (registered.status !== 201)
    throw new Error(`register ${email}: ${registered.status} ${JSON.stringify(registered.body)}`);
  const escaped = email.replace(/[.]/g, '\\.');
  const [, token] = await waitForOutput(
    server,
    new RegExp(`To: ${escaped}[\\s\\S]*?/verify-email\\?token=([A-Za-z0-9_-]+)`),
  );
  const verified = await api(server, 'POST', 'verify-email', { token });
  if (verified.status !== 200) throw new Error(`verify ${email}: ${verified.status}`);
  return signIn(server, { email, id: registered.body.user.id });
}

/** A new session for the account; throws with the status when it cannot sign in. */
export async function signIn(server: DevServer, account: Pick<Account, 'email' | 'id' | 'totp'>): Promise<Account> {
  const first = await api(server, 'POST', 'login', { email: account.email, password: PASSWORD });
  let login = first;
  if (first.status === 428 && account.totp) {
    login = await api(server, 'POST', 'login/mfa', {
      mfa_token: first.body.mfa_token,
      mfa_code: account.totp.generate(),
    });
  }
  if (login.status !== 200) throw new SignInRefused(account.email, login.status);
  return { ...account, accessToken: login.body.access_token, refreshToken: login.body.refresh_token };
}

export class SignInRefused extends Error {
  constructor(
    email: string,
    readonly status: number,
  ) {
    super(`sign-in of ${email} refused with ${status}`);
  }
}

/** Turns MFA on, so the account's password sign-in answers 428 and login/mfa can complete it. */
export async function withMfa(server: DevServer, account: Account): Promise<Account> {
  const setup = await api(server, 'POST', 'mfa/enable', {}, account.accessToken);
  if (setup.status !== 200) throw new Error(`mfa/enable: ${setup.status} ${JSON.stringify(setup.body)}`);
  const totp = new TOTP({ secret: Secret.fromBase32(setup.body.secret) });
  const verified = await api(server, 'POST', 'mfa/verify', { code: totp.generate() }, account.accessToken);
  if (verified.status !== 200) throw new Error(`mfa/verify: ${verified.status} ${JSON.stringify(verified.body)}`);
  return { ...account, totp };
}

/** The first SUPER_ADMIN, as the README makes one: from the shell, on the server's own database. */
export async function promoted(server: DevServer, account: Account): Promise<Account> {
  await promoteToSuperAdmin(server, account.email);
  // The role is read at sign-in: a new session carries it.
  return signIn(server, account);
}
