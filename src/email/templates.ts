export type Locale = 'en' | 'fr';

interface TemplateCopy {
  subject: string;
  intro: string;
  action?: string;
  outro: string;
}

/** One entry per email; `{placeholders}` are filled from the variables given at send time. */
const copy = {
  verification: {
    en: {
      subject: 'Verify your email address',
      intro: 'Hello {username}, welcome! Please confirm your email address to activate your account.',
      action: 'Verify my email',
      outro: 'This link is valid for 24 hours. If you did not create an account, you can ignore this email.',
    },
    fr: {
      subject: 'Vérifiez votre adresse email',
      intro: 'Bonjour {username}, bienvenue ! Confirmez votre adresse email pour activer votre compte.',
      action: 'Vérifier mon email',
      outro: "Ce lien est valable 24 heures. Si vous n'avez pas créé de compte, ignorez cet email.",
    },
  },
  account_locked: {
    en: {
      subject: 'Your account has been locked',
      intro: 'Hello {username}, after several failed sign-in attempts your account is locked until {until} UTC.',
      outro:
        'If this was not you, someone may be trying to guess your password: consider resetting it once the lock ends.',
    },
    fr: {
      subject: 'Votre compte a été verrouillé',
      intro:
        "Bonjour {username}, après plusieurs tentatives de connexion échouées, votre compte est verrouillé jusqu'au {until} UTC.",
      outro:
        "Si ce n'était pas vous, quelqu'un essaie peut-être de deviner votre mot de passe : pensez à le réinitialiser à la fin du verrouillage.",
    },
  },
} satisfies Record<string, Record<Locale, TemplateCopy>>;

export type TemplateName = keyof typeof copy;

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const greetingFooter: Record<Locale, string> = {
  en: 'The Learning Platform team',
  fr: "L'équipe de la Learning Platform",
};

function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Renders one template to subject, plain text and HTML from the same copy. */
export function renderEmail(
  name: TemplateName,
  locale: Locale,
  vars: Record<string, string>,
  actionUrl?: string,
): RenderedEmail {
  const entry: TemplateCopy = copy[name][locale];
  const subject = fill(entry.subject, vars);
  const intro = fill(entry.intro, vars);
  const outro = fill(entry.outro, vars);
  const action = entry.action && actionUrl ? { label: fill(entry.action, vars), url: actionUrl } : undefined;
  const text = [intro, action ? `${action.label}: ${action.url}` : null, outro, `— ${greetingFooter[locale]}`]
    .filter(Boolean)
    .join('\n\n');
  const button = action
    ? `<p><a href="${escapeHtml(action.url)}" style="background:#2563eb;color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none">${escapeHtml(action.label)}</a></p><p style="font-size:12px;color:#555">${escapeHtml(action.url)}</p>`
    : '';
  const html = `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111"><p>${escapeHtml(intro)}</p>${button}<p>${escapeHtml(outro)}</p><p>— ${escapeHtml(greetingFooter[locale])}</p></body></html>`;
  return { subject, text, html };
}
