import { vi } from 'vitest';
import type { EmailMessage } from '../../src/email/transport';
import { memoryOutbox } from '../../src/email/transport';

export type CapturedEmail = EmailMessage;

const recorded: string[] = [];
let installed = false;

/** Routes console output into `recorded` once per test file; captures are windows onto it. */
function install() {
  if (installed) return;
  installed = true;
  const record = (...args: unknown[]) => {
    recorded.push(args.map(String).join(' '));
  };
  vi.spyOn(console, 'log').mockImplementation(record);
  vi.spyOn(console, 'error').mockImplementation(record);
  vi.spyOn(console, 'warn').mockImplementation(record);
}

/**
 * Reads the log lines and the emails sent from now on. The worker tests send email through the
 * in-memory transport (EMAIL_TRANSPORT=memory in vitest.config.ts): emails are read from its
 * outbox, not parsed out of console text. Captures may nest.
 */
export function captureConsole() {
  install();
  const start = recorded.length;
  const firstEmail = memoryOutbox.length;
  return {
    get lines() {
      return recorded.slice(start);
    },
    emails(): CapturedEmail[] {
      return memoryOutbox.slice(firstEmail);
    },
    lastEmailTo(address: string): CapturedEmail {
      const last = this.emails()
        .filter((email) => email.to === address)
        .at(-1);
      if (!last) throw new Error(`no email to ${address}; ${this.emails().length} sent since the capture began`);
      return last;
    },
    restore() {
      // Nothing to undo: the recorder stays for the file, each capture only reads its window.
    },
  };
}

export function tokenFromLink(text: string, path: string): string {
  const match = new RegExp(`${path}\\?token=([A-Za-z0-9_-]+)`).exec(text);
  if (!match?.[1]) throw new Error(`no ${path} link in: ${text}`);
  return match[1];
}
