import { en, type Messages } from './messages-en';
import { fr } from './messages-fr';

export const LANGUAGES = ['en', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];
export const MESSAGES: Record<Language, Messages> = { en, fr };

/** Remembers a choice made with `?lang=`; read before `Accept-Language`. */
export const LANGUAGE_COOKIE = 'account_lang';

const isLanguage = (value: string | undefined): value is Language =>
  value !== undefined && (LANGUAGES as readonly string[]).includes(value);

/** The most preferred of our languages in an `Accept-Language` header (q-values honoured), if any. */
export function fromAcceptLanguage(header: string | undefined): Language | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [range = '', ...parameters] = part.trim().split(';');
      const weight = parameters.find((parameter) => /^\s*q=/i.test(parameter));
      // A weight that is not a number makes the entry unusable, as if it were q=0.
      const q = weight === undefined ? 1 : Number(/^\s*q=([0-9.]+)\s*$/i.exec(weight)?.[1] ?? 0);
      return { primary: range.trim().toLowerCase().split('-')[0], q, index };
    })
    .filter((entry) => entry.q > 0 && Number.isFinite(entry.q))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked.map((entry) => entry.primary).find(isLanguage);
}

/** `?lang=` first (an explicit switch), then the remembered cookie, then the browser's preference. */
export function chooseLanguage(input: { query?: string; cookie?: string; acceptLanguage?: string }): {
  language: Language;
  switched: boolean;
} {
  if (isLanguage(input.query)) return { language: input.query, switched: true };
  if (isLanguage(input.cookie)) return { language: input.cookie, switched: false };
  return { language: fromAcceptLanguage(input.acceptLanguage) ?? 'en', switched: false };
}

/** `{name}` placeholders filled from `vars`. */
export function fill(text: string, vars: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}
