import { describe, expect, it } from 'vitest';
import { usernameBase } from '../../src/accounts/username';

describe('usernames derived from a provider profile', () => {
  const cases: [string[], string][] = [
    [['octocat'], 'octocat'],
    [['ada.lovelace'], 'ada.lovelace'],
    [['Zoë Ünal-Ström'], 'Zoe.Unal-Strom'],
    [['jo', 'Joanna Smith'], 'Joanna.Smith'],
    [['李', '王'], 'user'],
    [['..__--hidden--__..'], 'hidden'],
    [['first+tag'], 'firsttag'],
    [['a'.repeat(40)], 'a'.repeat(30)],
    [[`${'b'.repeat(29)}.c`], 'b'.repeat(29)],
    [[], 'user'],
  ];
  for (const [hints, expected] of cases) {
    it(`${JSON.stringify(hints)} gives "${expected}"`, () => {
      const base = usernameBase(hints);
      expect(base).toBe(expected);
      expect(base).toMatch(/^[A-Za-z0-9_.-]{3,30}$/);
    });
  }
});
