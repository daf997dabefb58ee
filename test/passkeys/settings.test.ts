import { describe, expect, it } from 'vitest';
import { deriveWebAuthnSettings, type WebAuthnVariables } from '../../src/passkeys/settings';

const base: WebAuthnVariables = {
  APP_URL: 'https://learn.example.com/app/',
  MFA_ISSUER: 'Learning Platform',
  CORS_ORIGINS: 'https://learn.example.com, https://admin.learn.example.com',
};

describe('WebAuthn settings', () => {
  it('default to APP_URL’s host name, MFA_ISSUER, and APP_URL’s origin plus CORS_ORIGINS (deduplicated)', () => {
    expect(deriveWebAuthnSettings(base)).toEqual({
      ok: true,
      settings: {
        rpId: 'learn.example.com',
        rpName: 'Learning Platform',
        origins: ['https://learn.example.com', 'https://admin.learn.example.com'],
      },
    });
  });

  it('take CORS_ORIGINS as the list config.ts already split', () => {
    const fromList = deriveWebAuthnSettings({
      ...base,
      CORS_ORIGINS: ['https://learn.example.com', 'https://admin.learn.example.com'],
    });
    expect(fromList).toEqual(deriveWebAuthnSettings(base));
  });

  it('drop the port from the RP ID (RP IDs have none) but keep it in the origin', () => {
    const result = deriveWebAuthnSettings({ APP_URL: 'http://localhost:3000', MFA_ISSUER: 'Dev', CORS_ORIGINS: '' });
    expect(result).toEqual({
      ok: true,
      settings: { rpId: 'localhost', rpName: 'Dev', origins: ['http://localhost:3000'] },
    });
  });

  it('take explicit values over the defaults; blank ones count as unset', () => {
    expect(
      deriveWebAuthnSettings({
        ...base,
        WEBAUTHN_RP_ID: 'Example.com',
        WEBAUTHN_RP_NAME: 'Example Learning',
        WEBAUTHN_ORIGINS: 'https://example.com,https://www.example.com/',
      }),
    ).toEqual({
      ok: true,
      settings: {
        rpId: 'example.com',
        rpName: 'Example Learning',
        origins: ['https://example.com', 'https://www.example.com'],
      },
    });
    expect(
      deriveWebAuthnSettings({ ...base, WEBAUTHN_RP_ID: ' ', WEBAUTHN_RP_NAME: '', WEBAUTHN_ORIGINS: '' }),
    ).toEqual(deriveWebAuthnSettings(base));
  });

  it('allow an origin of another domain next to ours (Related Origin Requests)', () => {
    const result = deriveWebAuthnSettings({
      ...base,
      WEBAUTHN_ORIGINS: 'https://learn.example.com,https://learn.example.org',
    });
    expect(result).toMatchObject({
      ok: true,
      settings: { origins: ['https://learn.example.com', 'https://learn.example.org'] },
    });
  });

  it.each([
    ['an RP ID with a scheme', { WEBAUTHN_RP_ID: 'https://example.com' }, /WEBAUTHN_RP_ID must be a domain name/],
    ['an RP ID with a port', { WEBAUTHN_RP_ID: 'example.com:443' }, /WEBAUTHN_RP_ID must be a domain name/],
    [
      'an IP address as RP ID',
      { APP_URL: 'http://127.0.0.1:3000', CORS_ORIGINS: '' },
      /WEBAUTHN_RP_ID must be a domain name/,
    ],
    [
      'an origin that is not a URL',
      { WEBAUTHN_ORIGINS: 'https://learn.example.com,learn' },
      /WEBAUTHN_ORIGINS: "learn"/,
    ],
    ['a CORS origin that is not http(s)', { CORS_ORIGINS: 'ftp://learn.example.com' }, /CORS_ORIGINS: "ftp:/],
    ['no origin on the RP ID', { WEBAUTHN_RP_ID: 'example.org' }, /no WebAuthn origin is on "example.org"/],
    ['an APP_URL that is not a URL', { APP_URL: 'learn.example.com' }, /APP_URL must be an http\(s\) URL/],
  ])('refuse %s', (_case, overrides, message) => {
    const result = deriveWebAuthnSettings({ ...base, ...overrides });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues).toContainEqual(expect.stringMatching(message));
  });
});
