export type Locale = 'en' | 'fr';

interface TemplateCopy {
  subject: string;
  intro: string;
  action?: string;
  /** A second, quieter link after the outro ("this wasn't me"). */
  decline?: string;
  outro: string;
}

/** The links an email can carry, by role. */
export interface EmailLinks {
  action?: string;
  decline?: string;
}

/** One entry per email; `{placeholders}` are filled from the variables given at send time. */
const copy = {
  verification: {
    en: {
      subject: 'Verify your email address',
      intro:
        'Hello {username}, someone created an account with this email address. If it was you, welcome! Please confirm your address to activate the account.',
      action: 'Verify my email',
      outro: 'This link is valid for 24 hours.',
      decline: "This wasn't me: delete this account",
    },
    fr: {
      subject: 'Vérifiez votre adresse email',
      intro:
        "Bonjour {username}, quelqu'un a créé un compte avec cette adresse email. Si c'est vous, bienvenue ! Confirmez votre adresse pour activer le compte.",
      action: 'Vérifier mon email',
      outro: 'Ce lien est valable 24 heures.',
      decline: "Ce n'était pas moi : supprimer ce compte",
    },
  },
  provider_linked: {
    en: {
      subject: '{provider} was linked to your account',
      intro:
        'Hello {username}, a {provider} account was linked to your account on {time} UTC: it can now be used to sign in.',
      action: "This wasn't me: remove it and sign out everywhere",
      outro: 'If this was you, nothing to do.',
    },
    fr: {
      subject: '{provider} a été associé à votre compte',
      intro:
        'Bonjour {username}, un compte {provider} a été associé à votre compte le {time} UTC : il permet désormais de vous connecter.',
      action: "Ce n'était pas moi : le retirer et déconnecter toutes les sessions",
      outro: "Si c'était vous, il n'y a rien à faire.",
    },
  },
  provider_unlinked: {
    en: {
      subject: '{provider} was unlinked from your account',
      intro: 'Hello {username}, the {provider} account linked to your account was removed on {time} UTC.',
      outro: 'If this was not you, reset your password and contact support.',
    },
    fr: {
      subject: '{provider} a été dissocié de votre compte',
      intro: 'Bonjour {username}, le compte {provider} associé à votre compte a été retiré le {time} UTC.',
      outro: "Si ce n'était pas vous, réinitialisez votre mot de passe et contactez le support.",
    },
  },
  password_reset: {
    en: {
      subject: 'Reset your password',
      intro: 'Hello {username}, we received a request to reset the password of your account.',
      action: 'Choose a new password',
      outro:
        'This link is valid for 1 hour and works once. If you did not ask for it, ignore this email: your password stays the same.',
    },
    fr: {
      subject: 'Réinitialisez votre mot de passe',
      intro: 'Bonjour {username}, nous avons reçu une demande de réinitialisation du mot de passe de votre compte.',
      action: 'Choisir un nouveau mot de passe',
      outro:
        "Ce lien est valable 1 heure et ne fonctionne qu'une fois. Si vous n'êtes pas à l'origine de cette demande, ignorez cet email : votre mot de passe reste inchangé.",
    },
  },
  password_changed: {
    en: {
      subject: 'Your password was changed',
      intro:
        'Hello {username}, the password of your account was changed on {time} UTC. Your other sessions were signed out.',
      outro: 'If this was not you, reset your password right away and contact support.',
    },
    fr: {
      subject: 'Votre mot de passe a été modifié',
      intro:
        'Bonjour {username}, le mot de passe de votre compte a été modifié le {time} UTC. Vos autres sessions ont été déconnectées.',
      outro: "Si ce n'était pas vous, réinitialisez votre mot de passe immédiatement et contactez le support.",
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
  mfa_enabled: {
    en: {
      subject: 'Two-factor authentication is on',
      intro: 'Hello {username}, two-factor authentication was turned on for your account on {time} UTC.',
      outro: 'Keep your backup codes somewhere safe. If this was not you, contact support right away.',
    },
    fr: {
      subject: "L'authentification à deux facteurs est activée",
      intro: "Bonjour {username}, l'authentification à deux facteurs a été activée sur votre compte le {time} UTC.",
      outro: "Conservez vos codes de secours en lieu sûr. Si ce n'était pas vous, contactez le support immédiatement.",
    },
  },
  backup_codes_regenerated: {
    en: {
      subject: 'New backup codes were created',
      intro:
        'Hello {username}, a new set of two-factor backup codes was created for your account on {time} UTC. The previous codes no longer work.',
      outro: 'If this was not you, sign in, change your password and regenerate your codes, or contact support.',
    },
    fr: {
      subject: 'De nouveaux codes de secours ont été créés',
      intro:
        'Bonjour {username}, un nouveau jeu de codes de secours a été créé pour votre compte le {time} UTC. Les codes précédents ne fonctionnent plus.',
      outro:
        "Si ce n'était pas vous, connectez-vous, changez votre mot de passe et régénérez vos codes, ou contactez le support.",
    },
  },
  mfa_disabled: {
    en: {
      subject: 'Two-factor authentication is off',
      intro: 'Hello {username}, two-factor authentication was turned off for your account on {time} UTC.',
      outro:
        'Your account is now protected by your password only. If this was not you, reset your password and contact support.',
    },
    fr: {
      subject: "L'authentification à deux facteurs est désactivée",
      intro: "Bonjour {username}, l'authentification à deux facteurs a été désactivée sur votre compte le {time} UTC.",
      outro:
        "Votre compte n'est plus protégé que par votre mot de passe. Si ce n'était pas vous, réinitialisez votre mot de passe et contactez le support.",
    },
  },
  security_alert: {
    en: {
      subject: 'New sign-in to your account',
      intro:
        'Hello {username}, your account was signed in to on {time} UTC from {location} ({device}, {browser}), IP {ip}. We noticed: {reasons}.',
      action: 'Review my sessions',
      outro:
        'If this was you, nothing to do. If not, reset your password and sign out the sessions you do not recognise.',
    },
    fr: {
      subject: 'Nouvelle connexion à votre compte',
      intro:
        'Bonjour {username}, une connexion à votre compte a eu lieu le {time} UTC depuis {location} ({device}, {browser}), IP {ip}. Nous avons remarqué : {reasons}.',
      action: 'Voir mes sessions',
      outro:
        "Si c'était vous, il n'y a rien à faire. Sinon, réinitialisez votre mot de passe et déconnectez les sessions que vous ne reconnaissez pas.",
    },
  },
  passkey_added: {
    en: {
      subject: 'A passkey was added to your account',
      intro:
        'Hello {username}, a passkey named "{name}" was added to your account on {time} UTC: it can now be used to sign in without a password.',
      action: 'Review my passkeys',
      outro:
        'If this was you, nothing to do. If not, remove that passkey, change your password and sign out the sessions you do not recognise.',
    },
    fr: {
      subject: 'Une clé d’accès a été ajoutée à votre compte',
      intro:
        'Bonjour {username}, une clé d’accès nommée « {name} » a été ajoutée à votre compte le {time} UTC : elle permet désormais de vous connecter sans mot de passe.',
      action: 'Voir mes clés d’accès',
      outro:
        "Si c'était vous, il n'y a rien à faire. Sinon, supprimez cette clé d’accès, changez votre mot de passe et déconnectez les sessions que vous ne reconnaissez pas.",
    },
  },
  passkey_clone_detected: {
    en: {
      subject: 'A sign-in with a copy of your passkey was refused',
      intro:
        'Hello {username}, on {time} UTC a sign-in with your passkey "{name}" was refused from {location} ({device}, {browser}), IP {ip}: the device reported an older state than one we had already seen, which is what a copied passkey does.',
      action: 'Review my passkeys',
      outro:
        'Remove this passkey and register a new one from a device you trust: until then, whoever holds the copy may try again.',
    },
    fr: {
      subject: 'Une connexion avec une copie de votre clé d’accès a été refusée',
      intro:
        'Bonjour {username}, le {time} UTC, une connexion avec votre clé d’accès « {name} » a été refusée depuis {location} ({device}, {browser}), IP {ip} : l’appareil a présenté un état plus ancien qu’un état déjà vu, ce que fait une clé d’accès copiée.',
      action: 'Voir mes clés d’accès',
      outro:
        'Supprimez cette clé d’accès et enregistrez-en une nouvelle depuis un appareil de confiance : d’ici là, la personne qui détient la copie peut réessayer.',
    },
  },
  // --- account self-service (issue 17) ---
  email_change_confirm: {
    en: {
      subject: 'Confirm your new email address',
      intro: 'Hello {username}, you asked to use this address for your account. Confirm it to complete the change.',
      action: 'Confirm my new address',
      outro:
        'This link is valid for 1 hour and works once. If you did not ask for this, ignore this email: nothing changes.',
    },
    fr: {
      subject: 'Confirmez votre nouvelle adresse email',
      intro:
        'Bonjour {username}, vous avez demandé à utiliser cette adresse pour votre compte. Confirmez-la pour terminer le changement.',
      action: 'Confirmer ma nouvelle adresse',
      outro:
        "Ce lien est valable 1 heure et ne fonctionne qu'une fois. Si vous n'êtes pas à l'origine de cette demande, ignorez cet email : rien ne change.",
    },
  },
  email_change_requested: {
    en: {
      subject: 'A change of your email address was requested',
      intro:
        'Hello {username}, on {time} UTC a change of the email address of your account to {new_email} was requested. It takes effect once the new address is confirmed.',
      outro: 'If this was not you, change your password right away and contact support.',
    },
    fr: {
      subject: 'Un changement de votre adresse email a été demandé',
      intro:
        "Bonjour {username}, le {time} UTC, un changement de l'adresse email de votre compte vers {new_email} a été demandé. Il prendra effet une fois la nouvelle adresse confirmée.",
      outro: "Si ce n'était pas vous, changez votre mot de passe immédiatement et contactez le support.",
    },
  },
  account_deletion_scheduled: {
    en: {
      subject: 'Your account will be deleted on {until} UTC',
      intro:
        'Hello {username}, as you asked on {time} UTC, your account will be deleted on {until} UTC. Every session was signed out, and signing in is refused until then.',
      action: 'Cancel the deletion and keep my account',
      outro:
        'After that date your account and its data are erased for good. If you did not ask for this, cancel with the link above, then change your password.',
    },
    fr: {
      subject: 'Votre compte sera supprimé le {until} UTC',
      intro:
        "Bonjour {username}, comme vous l'avez demandé le {time} UTC, votre compte sera supprimé le {until} UTC. Toutes les sessions ont été déconnectées et la connexion est refusée d'ici là.",
      action: 'Annuler la suppression et garder mon compte',
      outro:
        "Après cette date, votre compte et ses données sont effacés définitivement. Si vous n'êtes pas à l'origine de cette demande, annulez-la avec le lien ci-dessus, puis changez votre mot de passe.",
    },
  },
  account_deletion_scheduled_by_staff: {
    en: {
      subject: 'Your account will be deleted on {until} UTC',
      intro:
        'Hello {username}, on {time} UTC an administrator scheduled the deletion of your account for {until} UTC. Every session was signed out, and signing in is refused until then.',
      action: 'Cancel the deletion and keep my account',
      outro:
        'After that date your account and its data are erased for good. If you think this is a mistake, cancel with the link above or contact support.',
    },
    fr: {
      subject: 'Votre compte sera supprimé le {until} UTC',
      intro:
        "Bonjour {username}, le {time} UTC, un administrateur a programmé la suppression de votre compte pour le {until} UTC. Toutes les sessions ont été déconnectées et la connexion est refusée d'ici là.",
      action: 'Annuler la suppression et garder mon compte',
      outro:
        "Après cette date, votre compte et ses données sont effacés définitivement. S'il s'agit d'une erreur, annulez avec le lien ci-dessus ou contactez le support.",
    },
  },
  account_deletion_cancelled: {
    en: {
      subject: 'The deletion of your account was cancelled',
      intro:
        'Hello {username}, the deletion of your account was cancelled on {time} UTC: your account is kept. Sign in again to use it.',
      outro: 'If this was not you, contact support.',
    },
    fr: {
      subject: 'La suppression de votre compte a été annulée',
      intro:
        "Bonjour {username}, la suppression de votre compte a été annulée le {time} UTC : votre compte est conservé. Reconnectez-vous pour l'utiliser.",
      outro: "Si ce n'était pas vous, contactez le support.",
    },
  },
  // --- end account self-service ---
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
  links: EmailLinks = {},
): RenderedEmail {
  const entry: TemplateCopy = copy[name][locale];
  const subject = fill(entry.subject, vars);
  const intro = fill(entry.intro, vars);
  const outro = fill(entry.outro, vars);
  const action = entry.action && links.action ? { label: fill(entry.action, vars), url: links.action } : undefined;
  const decline = entry.decline && links.decline ? { label: fill(entry.decline, vars), url: links.decline } : undefined;
  const text = [
    intro,
    action ? `${action.label}: ${action.url}` : null,
    outro,
    decline ? `${decline.label}: ${decline.url}` : null,
    `— ${greetingFooter[locale]}`,
  ]
    .filter(Boolean)
    .join('\n\n');
  const button = action
    ? `<p><a href="${escapeHtml(action.url)}" style="background:#2563eb;color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none">${escapeHtml(action.label)}</a></p><p style="font-size:12px;color:#555">${escapeHtml(action.url)}</p>`
    : '';
  const declineLink = decline
    ? `<p style="font-size:13px"><a href="${escapeHtml(decline.url)}">${escapeHtml(decline.label)}</a></p>`
    : '';
  const html = `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111"><p>${escapeHtml(intro)}</p>${button}<p>${escapeHtml(outro)}</p>${declineLink}<p>— ${escapeHtml(greetingFooter[locale])}</p></body></html>`;
  return { subject, text, html };
}

/** Times in emails: "2026-11-23 14:05" (UTC, said in the copy). */
export function emailTime(at: Date | number): string {
  return new Date(at).toISOString().replace('T', ' ').slice(0, 16);
}

export const TEMPLATE_NAMES = Object.keys(copy) as TemplateName[];
