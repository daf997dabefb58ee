import { describe, expect, it } from 'vitest';
import { del, get, json, PASSWORD, post } from '../helpers/api';
import { captureConsole, tokenFromLink } from '../helpers/mail';
import { registerVerified, sql } from '../helpers/users';

describe('audit log', () => {
  it('records security events with time, user, IP and user agent, and never a secret', async () => {
    const mail = captureConsole();
    const user = await registerVerified();
    const headers = { 'CF-Connecting-IP': '198.51.100.77', 'User-Agent': 'AuditTest/1.0' };
    await post('login', { email: user.email, password: 'Wrong-Password1!' }, { headers });
    const session = await json(await post('login', { email: user.email, password: PASSWORD }, { headers }));
    const other = await json(await post('login', { email: user.email, password: PASSWORD }, { headers }));
    const leaving = await json(await post('login', { email: user.email, password: PASSWORD }, { headers }));
    expect((await post('logout', {}, { token: leaving.access_token, headers })).status).toBe(200);
    await del('sessions', { token: session.access_token, headers });
    const newPassword = 'Changed-Secret5!';
    await post(
      'password/change',
      { current_password: PASSWORD, new_password: newPassword, new_password_confirm: newPassword },
      { token: session.access_token, headers },
    );
    await post('password/request-reset', { email: user.email }, { headers });
    const resetToken = tokenFromLink(mail.lastEmailTo(user.email).text, '/reset-password');
    await post(
      'password/reset',
      { token: resetToken, new_password: PASSWORD, new_password_confirm: PASSWORD },
      { headers },
    );
    // The reset ended the session that survived the password change.
    expect((await get('me', { token: session.access_token })).status).toBe(401);
    expect((await get('me', { token: other.access_token })).status).toBe(401);

    const rows = (
      await sql(
        'SELECT event, user_id, ip_address, user_agent, details, created_at FROM audit_log WHERE user_id = ? ORDER BY created_at',
        user.id,
      ).all<{
        event: string;
        ip_address: string | null;
        user_agent: string | null;
        created_at: number;
      }>()
    ).results;
    const events = rows.map((row) => row.event);
    for (const event of [
      'logout',
      'login.failed',
      'login.succeeded',
      'session.revoked',
      'password.changed',
      'password.reset_requested',
      'password.reset',
    ]) {
      expect(events).toContain(event);
    }
    for (const row of rows.filter((r) => r.event !== 'user.registered' && r.event !== 'user.email_verified')) {
      expect(row.ip_address).toBe('198.51.100.77');
      expect(row.user_agent).toBe('AuditTest/1.0');
      expect(row.created_at).toBeGreaterThan(Date.now() - 60_000);
    }
    const dump = JSON.stringify(rows);
    for (const secret of [
      PASSWORD,
      newPassword,
      resetToken,
      session.access_token,
      session.refresh_token,
      other.refresh_token,
    ]) {
      expect(dump).not.toContain(secret);
    }
  });
});
