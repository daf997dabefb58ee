export interface EmailMessage {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
}

/** Where rendered emails go; one implementation per provider, chosen by configuration. */
export interface EmailTransport {
  readonly name: string;
  send(message: EmailMessage): Promise<void>;
}

/**
 * Prints the whole message, links included, like Django's console backend: the local default,
 * so a developer can follow verification and reset links from the `wrangler dev` output.
 */
export const consoleTransport: EmailTransport = {
  name: 'console',
  async send(message) {
    console.log(
      [
        '----- email (console transport) -----',
        `From: ${message.from}`,
        `To: ${message.to}`,
        `Subject: ${message.subject}`,
        '',
        message.text,
        '----- end of email -----',
      ].join('\n'),
    );
  },
};
