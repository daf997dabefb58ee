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
};
const withLink = new Set(['verification', 'password_reset', 'security_alert']);

describe('email templates', () => {
  it('covers every email of the spec', () => {
    expect(TEMPLATE_NAMES.sort()).toEqual(
      [
        'account_locked',
        'mfa_disabled',
        'mfa_enabled',
        'password_changed',
        'password_reset',
        'security_alert',
        'verification',
      ].sort(),
    );
  });

  for (const name of TEMPLATE_NAMES) {
    for (const locale of ['en', 'fr'] as const) {
      it(`renders ${name} in ${locale}: subject, text, HTML, link, no leftover placeholder`, () => {
        const link = withLink.has(name) ? 'http://localhost:3000/somewhere?token=abc_DEF-123' : undefined;
        const email = renderEmail(name, locale, vars, link);
        expect(email.subject.length).toBeGreaterThan(5);
        expect(email.text).toContain('alice');
        expect(email.html).toContain(`<html lang="${locale}">`);
        for (const part of [email.subject, email.text, email.html]) expect(part).not.toMatch(/\{\w+\}/);
        if (link) {
          expect(email.text).toContain(link);
          expect(email.html).toContain(`href="${link}"`);
        }
      });
    }
  }

  it('writes French copy in French and English copy in English', () => {
    expect(renderEmail('password_reset', 'fr', vars, 'x').subject).toBe('Réinitialisez votre mot de passe');
    expect(renderEmail('password_reset', 'en', vars, 'x').subject).toBe('Reset your password');
  });

  it('escapes variables in HTML', () => {
    const email = renderEmail(
      'verification',
      'en',
      { username: '<script>alert(1)</script>' },
      'https://app/x?token=a&b=1',
    );
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&#60;script&#62;');
    expect(email.html).toContain('href="https://app/x?token=a&#38;b=1"');
  });
});
