import { describe, expect, it } from 'vitest';
import { checkIssuer, checkPlatformUrl, checkTargetLink, isLoopbackHost } from '../../src/lti/url-policy';

describe('platform URLs', () => {
  const accepted = [
    'https://moodle.school.example/mod/lti/auth.php',
    'https://canvas.instructure.com/api/lti/authorize_redirect?x=1',
    'http://localhost:8080/lti/jwks',
    'http://127.0.0.1/certs',
    'http://127.45.3.9:9000/certs',
    'http://[::1]:3000/jwks',
    // The URL parser normalises these to 127.0.0.1 before the host is judged.
    'http://127.1/jwks',
    'http://0x7f.0.0.1/jwks',
  ];
  for (const url of accepted) {
    it(`accepts ${url}`, () => {
      expect(checkPlatformUrl(url)).toMatchObject({ ok: true });
    });
  }

  const refused: [string, string][] = [
    ['http://moodle.school.example/mod/lti/auth.php', 'insecure_scheme'],
    ['http://localhost.evil.example/jwks', 'insecure_scheme'],
    ['http://128.0.0.1/jwks', 'insecure_scheme'],
    ['http://10.0.0.8/jwks', 'insecure_scheme'],
    ['http://[::2]/jwks', 'insecure_scheme'],
    ['http://[::ffff:127.0.0.1]/jwks', 'insecure_scheme'],
    ['ftp://moodle.school.example/jwks', 'insecure_scheme'],
    ['javascript:alert(1)', 'insecure_scheme'],
    ['https://user:secret@moodle.school.example/jwks', 'credentials'],
    ['https://moodle.school.example/jwks#keys', 'fragment'],
    ['https://moodle.school.example/jwks#', 'fragment'],
    ['moodle.school.example/jwks', 'malformed'],
    ['', 'malformed'],
  ];
  for (const [url, reason] of refused) {
    it(`refuses ${url || '(empty)'} as ${reason}`, () => {
      expect(checkPlatformUrl(url)).toEqual({ ok: false, reason });
    });
  }

  it('refuses an issuer with a query, which endpoints may have', () => {
    expect(checkIssuer('https://moodle.school.example?tenant=1')).toEqual({ ok: false, reason: 'query' });
    expect(checkIssuer('https://moodle.school.example?')).toEqual({ ok: false, reason: 'query' });
    expect(checkIssuer('https://moodle.school.example/moodle')).toMatchObject({ ok: true });
    expect(checkIssuer('http://moodle.school.example')).toEqual({ ok: false, reason: 'insecure_scheme' });
  });

  it('knows loopback hosts by their parsed name only', () => {
    expect(['localhost', '127.0.0.1', '127.255.255.255', '[::1]'].every(isLoopbackHost)).toBe(true);
    expect(['localhost.', 'LOCALHOST.example', '1127.0.0.1', '127.0.0.1.nip.io', '::1'].some(isLoopbackHost)).toBe(
      false,
    );
  });
});

describe('launch targets', () => {
  const origins = ['http://localhost:3000', 'https://app.example/'];

  it('accepts a target on an allowed origin, whatever its path and query', () => {
    expect(checkTargetLink('http://localhost:3000/courses/7?tab=1', origins)).toMatchObject({ ok: true });
    expect(checkTargetLink('https://app.example/lti', origins)).toMatchObject({ ok: true });
  });

  const foreign = [
    'https://evil.example/lti',
    'http://localhost:3001/lti',
    'https://localhost:3000/lti',
    'http://app.example/lti',
    'https://app.example.evil.example/',
    'javascript:alert(document.domain)',
    'data:text/html,<script>1</script>',
  ];
  for (const target of foreign) {
    it(`refuses ${target}`, () => {
      expect(checkTargetLink(target, origins)).toEqual({ ok: false, reason: 'foreign_origin' });
    });
  }

  it('refuses what is not a URL, and everything when no origin is allowed', () => {
    expect(checkTargetLink('/relative/path', origins)).toEqual({ ok: false, reason: 'malformed' });
    expect(checkTargetLink('http://localhost:3000/', [])).toEqual({ ok: false, reason: 'foreign_origin' });
    expect(checkTargetLink('http://localhost:3000/', ['not a url'])).toEqual({ ok: false, reason: 'foreign_origin' });
  });
});
