/**
 * Offline check against ~49k of the most common leaked passwords (the list zxcvbn-ts ships, MIT).
 * Loaded on first use so that requests that never set a password do not pay to decompress it.
 */
let commonPasswords: Promise<Set<string>> | undefined;

function load(): Promise<Set<string>> {
  commonPasswords ??= import('@zxcvbn-ts/language-common').then(
    ({ dictionary }) => new Set((dictionary['passwords-common'] as string[]).map((word) => word.toLowerCase())),
  );
  return commonPasswords;
}

/** "Password123!" is "password" with decorations: strip what people append to pass composition rules. */
const DECORATION = /[\d!@#$%^&*()_+\-=[\]{}|;:,.<>?\s]+$/;

export async function isCommonPassword(password: string): Promise<boolean> {
  const list = await load();
  const lowered = password.normalize('NFKC').toLowerCase();
  const base = lowered.replace(DECORATION, '').replace(/^[\d!@#$%^&*()_+\-=[\]{}|;:,.<>?\s]+/, '');
  return list.has(lowered) || (base.length >= 4 && list.has(base));
}
