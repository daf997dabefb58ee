import type { FieldError } from '../errors';

export const SPECIAL_CHARACTERS = '!@#$%^&*()_+-=[]{}|;:,.<>?';
export const MIN_LENGTH = 8;
export const MAX_LENGTH = 128;

const rules: Array<{ test: (password: string) => boolean; message: string }> = [
  { test: (p) => [...p].length >= MIN_LENGTH, message: `Password must be at least ${MIN_LENGTH} characters long` },
  { test: (p) => [...p].length <= MAX_LENGTH, message: `Password must be at most ${MAX_LENGTH} characters long` },
  { test: (p) => /\p{Lu}/u.test(p), message: 'Password must contain at least one upper-case letter' },
  { test: (p) => /\p{Ll}/u.test(p), message: 'Password must contain at least one lower-case letter' },
  { test: (p) => /\p{Nd}/u.test(p), message: 'Password must contain at least one digit' },
  {
    test: (p) => [...p].some((char) => SPECIAL_CHARACTERS.includes(char)),
    message: `Password must contain at least one special character (${SPECIAL_CHARACTERS})`,
  },
];

/** Every rule the (NFKC-normalised) password breaks, as field errors on `field`. */
export function checkPasswordPolicy(password: string, field = 'password'): FieldError[] {
  const normalised = password.normalize('NFKC');
  return rules.filter((rule) => !rule.test(normalised)).map((rule) => ({ field, message: rule.message }));
}
