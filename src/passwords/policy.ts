import type { Config } from '../config';
import type { FieldError } from '../errors';
import { isCommonPassword } from './common-passwords';

export const SPECIAL_CHARACTERS = '!@#$%^&*()_+-=[]{}|;:,.<>?';
export const MAX_LENGTH = 128;

type Policy = Config['passwordPolicy'];
type Rule = { test: (password: string) => boolean; message: string };

function rulesFor(policy: Policy): Rule[] {
  const length: Rule[] = [
    {
      test: (p) => [...p].length >= policy.minLength,
      message: `Password must be at least ${policy.minLength} characters long`,
    },
    { test: (p) => [...p].length <= MAX_LENGTH, message: `Password must be at most ${MAX_LENGTH} characters long` },
  ];
  if (policy.composition === 'none') return length;
  return [
    ...length,
    { test: (p) => /\p{Lu}/u.test(p), message: 'Password must contain at least one upper-case letter' },
    { test: (p) => /\p{Ll}/u.test(p), message: 'Password must contain at least one lower-case letter' },
    { test: (p) => /\p{Nd}/u.test(p), message: 'Password must contain at least one digit' },
    {
      test: (p) => [...p].some((char) => SPECIAL_CHARACTERS.includes(char)),
      message: `Password must contain at least one special character (${SPECIAL_CHARACTERS})`,
    },
  ];
}

/**
 * Every rule the (NFKC-normalised) password breaks, as field errors on `field`, plus a refusal of
 * passwords from the common-passwords list (decorations such as "123!" do not rescue them).
 */
export async function checkPasswordPolicy(password: string, policy: Policy, field = 'password'): Promise<FieldError[]> {
  const normalised = password.normalize('NFKC');
  const problems = rulesFor(policy)
    .filter((rule) => !rule.test(normalised))
    .map((rule) => ({ field, message: rule.message }));
  if (policy.rejectCommon && normalised.length <= MAX_LENGTH && (await isCommonPassword(normalised))) {
    problems.push({ field, message: 'This password is too common: it appears in lists of leaked passwords' });
  }
  return problems;
}

/** Policy plus confirmation: throws nothing, returns every problem of a new password. */
export async function checkNewPassword(
  policy: Policy,
  password: string,
  confirmation: string,
  fields: { password: string; confirmation: string },
): Promise<FieldError[]> {
  const problems = await checkPasswordPolicy(password, policy, fields.password);
  // Compared as they will be hashed: the same password typed with another Unicode form matches.
  if (password.normalize('NFKC') !== confirmation.normalize('NFKC'))
    problems.push({ field: fields.confirmation, message: 'Passwords do not match' });
  return problems;
}
