import { describeError } from '../lib/describe-error';
import type { Scope } from '../scope';
import { type EmailLinks, type Locale, renderEmail, type TemplateName } from './templates';
import { transportFor } from './transport';

/**
 * Renders and sends after the response: a slow or failing provider never delays or fails the
 * request; failures are logged with the template name and request id, never the content.
 */
export function sendEmail(
  scope: Scope,
  to: { email: string; locale: Locale },
  template: TemplateName,
  vars: Record<string, string>,
  links?: EmailLinks,
): void {
  // `.invalid` (RFC 2606) never delivers: the placeholder addresses of LTI accounts (lti/accounts.ts).
  if (to.email.endsWith('.invalid')) return;
  const rendered = renderEmail(template, to.locale, vars, links);
  const transport = transportFor(scope.config, scope.env);
  scope.defer(
    transport.send({ to: to.email, from: scope.config.email.from, ...rendered }).catch((error: unknown) => {
      console.error(
        JSON.stringify({
          level: 'error',
          msg: 'email delivery failed',
          transport: transport.name,
          template,
          request_id: scope.requestId,
          error: describeError(error),
        }),
      );
    }),
  );
}

export function appLink(scope: Scope, path: string, token: string): string {
  return `${scope.config.appUrl}${path}?token=${encodeURIComponent(token)}`;
}
