import type { Config } from '../config';
import type { Env } from '../env';

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

/** Messages the memory transport kept, oldest first (this isolate only). */
export const memoryOutbox: EmailMessage[] = [];

/**
 * Keeps every message in `memoryOutbox`: what the worker tests read their links from, instead of
 * parsing console output. Like `console`, it serves local requests only (config.ts).
 */
export const memoryTransport: EmailTransport = {
  name: 'memory',
  async send(message) {
    memoryOutbox.push(message);
  },
};

/** Cloudflare Email Service through the `send_email` binding named EMAIL. */
export function cloudflareTransport(binding: SendEmail | undefined): EmailTransport {
  return {
    name: 'cloudflare',
    async send(message) {
      if (!binding) throw new Error('EMAIL_TRANSPORT=cloudflare needs a [[send_email]] binding named EMAIL');
      await binding.send({
        from: message.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
      } as never);
    },
  };
}

/** Resend's HTTP API (https://resend.com/docs/api-reference/emails/send-email). */
export function resendTransport(options: { apiKey: string; url: string }): EmailTransport {
  return {
    name: 'resend',
    async send(message) {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${options.apiKey}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          from: message.from,
          to: [message.to],
          subject: message.subject,
          text: message.text,
          html: message.html,
        }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) {
        // The provider's error body names the problem (bad domain, quota); it never holds our key.
        throw new Error(`Resend answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
      }
    },
  };
}

export function transportFor(config: Config, env: Env): EmailTransport {
  switch (config.email.transport) {
    case 'console':
      return consoleTransport;
    case 'memory':
      return memoryTransport;
    case 'cloudflare':
      return cloudflareTransport(env.EMAIL);
    case 'resend':
      return resendTransport({ apiKey: config.email.resend.apiKey ?? '', url: config.email.resend.url });
  }
}
