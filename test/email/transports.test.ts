import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PASSWORD, post } from '../helpers/api';
import { fakeNetwork } from '../helpers/fake-network';
import { captureConsole } from '../helpers/mail';
import { uniqueEmail, usernameFor } from '../helpers/users';

const registration = (email: string) => ({
  email,
  username: usernameFor(email),
  password: PASSWORD,
  password_confirm: PASSWORD,
});

let logs: ReturnType<typeof captureConsole>;
const net = fakeNetwork();
beforeEach(() => {
  logs = captureConsole();
  net.install();
});
afterEach(() => net.reset());

describe('console transport', () => {
  it('prints the whole message with its link', async () => {
    const email = uniqueEmail();
    await post('register', registration(email), { env: { EMAIL_TRANSPORT: 'console' } });
    const printed = logs.lines.find((line) => line.startsWith('----- email (console transport) -----'));
    expect(printed).toContain(`To: ${email}`);
    expect(printed).toContain('From: Learning Platform <no-reply@localhost>');
    expect(printed).toContain('Subject: Verify your email address');
    expect(printed).toContain('http://localhost:3000/verify-email?token=');
    expect(logs.emails()).toHaveLength(0);
  });
});

describe('memory transport', () => {
  it('keeps the rendered message, and like console serves local requests only', async () => {
    const email = uniqueEmail();
    await post('register', registration(email));
    const kept = logs.lastEmailTo(email);
    expect(kept).toMatchObject({
      from: 'Learning Platform <no-reply@localhost>',
      subject: 'Verify your email address',
    });
    expect(kept.html).toContain('/verify-email?token=');
    expect(logs.lines.some((line) => line.includes('----- email'))).toBe(false);
    const deployed = await post('register', registration(uniqueEmail()), {
      env: { APP_URL: 'https://learn.example.com' },
    });
    expect(deployed.status).toBe(503);
  });
});

describe('Resend HTTP transport', () => {
  const resend = { EMAIL_TRANSPORT: 'resend', RESEND_API_KEY: 're_test_key' };

  it('posts the rendered message to the provider with the API key', async () => {
    net.on('POST', 'https://api.resend.com/emails', { status: 200, body: { id: 'email_1' } });
    const calls = net.seen;
    const email = uniqueEmail();
    const response = await post('register', registration(email), { env: resend });
    expect(response.status).toBe(201);
    expect(calls).toHaveLength(1);
    const sent = JSON.parse(calls[0]!.body);
    expect(calls[0]!.headers.get('Authorization')).toBe('Bearer re_test_key');
    expect(sent).toMatchObject({
      from: 'Learning Platform <no-reply@localhost>',
      to: [email],
      subject: 'Verify your email address',
    });
    expect(sent?.text).toContain('/verify-email?token=');
    expect(sent?.html).toContain('/verify-email?token=');
    expect(logs.emails()).toHaveLength(0);
  });

  it('logs a provider failure without failing or slowing the request, and never logs the key', async () => {
    net.on('POST', 'https://api.resend.com/emails', { status: 500, body: { message: 'down' } });
    const response = await post('register', registration(uniqueEmail()), { env: resend });
    expect(response.status).toBe(201);
    const failure = logs.lines.find((line) => line.includes('email delivery failed'));
    expect(failure).toContain('"transport":"resend"');
    expect(failure).toContain('"template":"verification"');
    expect(logs.lines.join('\n')).not.toContain('re_test_key');
  });

  it('can point at another provider URL', async () => {
    net.on('POST', 'https://mail.internal.example/v1/send', { status: 200 });
    const calls = net.seen;
    const env = { ...resend, RESEND_API_URL: 'https://mail.internal.example/v1/send' };
    expect((await post('register', registration(uniqueEmail()), { env })).status).toBe(201);
    expect(calls.map((call) => call.url)).toEqual(['https://mail.internal.example/v1/send']);
  });

  it('logs a network failure the same way', async () => {
    const response = await post('register', registration(uniqueEmail()), { env: resend });
    expect(response.status).toBe(201);
    expect(logs.lines.find((line) => line.includes('email delivery failed'))).toContain('network access refused');
  });

  it('refuses to start without an API key', async () => {
    const response = await post('register', registration(uniqueEmail()), { env: { EMAIL_TRANSPORT: 'resend' } });
    expect(response.status).toBe(503);
  });
});

describe('Cloudflare send_email transport', () => {
  it('sends through the local binding', async () => {
    const response = await post('register', registration(uniqueEmail()), { env: { EMAIL_TRANSPORT: 'cloudflare' } });
    expect(response.status).toBe(201);
    expect(logs.lines.some((line) => line.includes('email delivery failed'))).toBe(false);
    expect(logs.emails()).toHaveLength(0);
  });

  it('logs a refusal by the binding and still answers', async () => {
    const response = await post('register', registration(uniqueEmail()), {
      env: { EMAIL_TRANSPORT: 'cloudflare', EMAIL: env.EMAIL_RESTRICTED },
    });
    expect(response.status).toBe(201);
    const failure = logs.lines.find((line) => line.includes('email delivery failed'));
    expect(failure).toContain('"transport":"cloudflare"');
  });

  it('delivers to an allowed address through the restricted binding', async () => {
    const response = await post(
      'register',
      { email: 'allowed@example.com', username: 'allowed_user', password: PASSWORD, password_confirm: PASSWORD },
      { env: { EMAIL_TRANSPORT: 'cloudflare', EMAIL: env.EMAIL_RESTRICTED } },
    );
    expect(response.status).toBe(201);
    expect(logs.lines.some((line) => line.includes('email delivery failed'))).toBe(false);
  });
});
