/**
 * What a person sees when an /lti/ request is refused. The internal reason goes to the audit
 * entry and the log line; the page says what went wrong in terms the person can act on, without
 * telling a forger which check failed.
 */

export type RefusalStatus = 400 | 429 | 503;

interface RefusalPage {
  status: RefusalStatus;
  title: string;
  message: (service: string) => string;
}

const PAGES = {
  bad_request: {
    status: 400,
    title: 'This request is incomplete',
    message: () =>
      'The learning platform sent an incomplete or malformed request. Go back to your course and open the activity again.',
  },
  expired: {
    status: 400,
    title: 'This launch has expired',
    message: () =>
      'The launch was already used, took too long, or was started elsewhere. Go back to your course and open the activity again.',
  },
  not_bound: {
    status: 400,
    title: 'This launch was started in another browser',
    message: () => 'Go back to your course and open the activity again from this browser.',
  },
  not_registered: {
    status: 400,
    title: 'This learning platform is not set up',
    message: (service) =>
      `The platform (or this installation of the tool in it) is not registered with ${service}. Ask your platform's administrator to contact ${service}'s administrators.`,
  },
  unverified: {
    status: 400,
    title: 'The launch could not be verified',
    message: (service) =>
      `${service} could not verify the sign-in message of your learning platform. Try again; if it keeps failing, give the reference below to your administrator.`,
  },
  foreign_target: {
    status: 400,
    title: 'This link does not lead to us',
    message: (service) =>
      `The activity's link points outside ${service}. Ask your teacher or administrator to correct it.`,
  },
  account_suspended: {
    status: 400,
    title: 'Your account is suspended',
    message: (service) => `Your ${service} account is suspended. Contact support.`,
  },
  account_disabled: {
    status: 400,
    title: 'Your account is disabled',
    message: (service) => `Your ${service} account has been disabled. Contact support.`,
  },
  account_locked: {
    status: 400,
    title: 'Your account is temporarily locked',
    message: () => 'Too many failed sign-ins locked your account for a while. Try again later.',
  },
  registration_link: {
    status: 400,
    title: 'This registration link cannot be used',
    message: (service) =>
      `It is invalid, already used or expired (links last one hour). Ask ${service}'s administrators for a new one.`,
  },
  registration_failed: {
    status: 400,
    title: 'The registration did not complete',
    message: (service) =>
      `${service} could not register with your platform (the reference below tells its administrators why). The same link can be tried again within its hour.`,
  },
  already_registered: {
    status: 400,
    title: 'This platform is already registered',
    message: (service) =>
      `${service} already has a registration with this client id. Ask its administrators to remove it first.`,
  },
  rate_limited: {
    status: 429,
    title: 'Too many requests',
    message: () => 'Too many launches came from your network at once. Wait a minute and open the activity again.',
  },
  unavailable: {
    status: 503,
    title: 'Temporarily unavailable',
    message: () => 'The service is temporarily unavailable. Try again in a few minutes.',
  },
} as const satisfies Record<string, RefusalPage>;

export type RefusalKind = keyof typeof PAGES;

/** Which page each internal reason shows; reasons not listed show `unverified`. */
const KIND_OF_REASON: Record<string, RefusalKind> = {
  missing_parameter: 'bad_request',
  invalid_parameter: 'bad_request',
  unsupported_media_type: 'bad_request',
  payload_too_large: 'bad_request',
  unknown_state: 'expired',
  used_state: 'expired',
  expired_state: 'expired',
  expired: 'expired',
  too_old: 'expired',
  state_mismatch: 'not_bound',
  state_of_other_login: 'not_bound',
  unknown_issuer: 'not_registered',
  unknown_client: 'not_registered',
  ambiguous_client: 'not_registered',
  unknown_deployment: 'not_registered',
  unknown_platform: 'not_registered',
  foreign_target: 'foreign_target',
  account_suspended: 'account_suspended',
  account_disabled: 'account_disabled',
  // LTI accounts are created verified; an unverified one can only be an email-linked account gone wrong.
  email_not_verified: 'account_disabled',
  account_locked: 'account_locked',
  registration_link_invalid: 'registration_link',
  already_registered: 'already_registered',
  invalid_configuration_url: 'registration_failed',
  unreachable: 'registration_failed',
  configuration_refused: 'registration_failed',
  invalid_configuration: 'registration_failed',
  issuer_mismatch: 'registration_failed',
  unsupported_platform: 'registration_failed',
  registration_refused: 'registration_failed',
  invalid_registration_response: 'registration_failed',
  rate_limited: 'rate_limited',
  service_unavailable: 'unavailable',
};

export function refusalPage(
  reason: string,
  service: string,
): { status: RefusalStatus; title: string; message: string } {
  const page: RefusalPage =
    PAGES[Object.hasOwn(KIND_OF_REASON, reason) ? (KIND_OF_REASON[reason] as RefusalKind) : 'unverified'];
  return { status: page.status, title: page.title, message: page.message(service) };
}
