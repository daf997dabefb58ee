import { describe, expect, it } from 'vitest';
import { renderEmail, TEMPLATE_NAMES } from '../../src/email/templates';

const vars = {
  username: 'alice',
  time: '2026-11-23 10:00',
  until: '2026-11-23 10:30',
  location: 'Paris, France',
  device: 'Desktop',
  browser: 'Chrome 120',
  ip: '203.0.113.5',
  reasons: 'a new country',
  provider: 'Google',
  name: 'MacBook Touch ID',
  new_email: 'a•••@school.example',
};
const withLink = new Set([
  'verification',
  'password_reset',
  'security_alert',
  'provider_linked',
  'passkey_added',
  'passkey_clone_detected',
  'email_change_confirm',
  'account_deletion_scheduled',
  'account_deletion_scheduled_by_staff',
]);
const withDecline = new Set(['verification']);

describe('email templates', () => {
  it('tells the owner of an address that someone created an account with it, and offers to undo it', () => {
    const email = renderEmail('verification', 'en', vars, { action: 'https://app/verify', decline: 'https://app/no' });
    expect(email.text).toMatch(/someone created an account with this email address/i);
    expect(email.text).toContain("This wasn't me: delete this account: https://app/no");
    expect(renderEmail('verification', 'fr', vars, { decline: 'https://app/no' }).text).toContain(
      "Ce n'était pas moi : supprimer ce compte",
    );
  });

  it('covers every email of the spec', () => {
    expect(TEMPLATE_NAMES.sort()).toEqual(
      [
        'account_locked',
        'backup_codes_regenerated',
        'account_deletion_cancelled',
        'account_deletion_scheduled',
        'account_deletion_scheduled_by_staff',
        'email_change_confirm',
        'email_change_requested',
        'mfa_disabled',
        'mfa_enabled',
        'passkey_added',
        'passkey_clone_detected',
        'password_changed',
        'password_reset',
        'provider_linked',
        'provider_unlinked',
        'security_alert',
        'verification',
      ].sort(),
    );
  });

  for (const name of TEMPLATE_NAMES) {
    for (const locale of ['en', 'fr'] as const) {
      it(`renders ${name} in ${locale}: subject, text, HTML, link, no leftover placeholder`, () => {
        const link = withLink.has(name) ? 'http://localhost:3000/somewhere?token=abc_DEF-123' : undefined;
        const decline = withDecline.has(name) ? 'http://localhost:3000/not-me?token=abc_DEF-123' : undefined;
        const email = renderEmail(name, locale, vars, { action: link, decline });
        expect(email.subject.length).toBeGreaterThan(5);
        expect(email.text).toContain('alice');
        expect(email.html).toContain(`<html lang="${locale}">`);
        for (const part of [email.subject, email.text, email.html]) expect(part).not.toMatch(/\{\w+\}/);
        for (const url of [link, decline]) {
          if (!url) continue;
          expect(email.text).toContain(url);
          expect(email.html).toContain(`href="${url}"`);
        }
      });
    }
  }

  it('writes French copy in French and English copy in English', () => {
    expect(renderEmail('password_reset', 'fr', vars, { action: 'x' }).subject).toBe('Réinitialisez votre mot de passe');
    expect(renderEmail('password_reset', 'en', vars, { action: 'x' }).subject).toBe('Reset your password');
  });

  it('escapes variables in HTML', () => {
    const email = renderEmail(
      'verification',
      'en',
      { username: '<script>alert(1)</script>' },
      { action: 'https://app/x?token=a&b=1' },
    );
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&#60;script&#62;');
    expect(email.html).toContain('href="https://app/x?token=a&#38;b=1"');
  });
});
