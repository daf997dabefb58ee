import { vi } from 'vitest';

export interface CapturedEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
}

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
 * Reads what the console transport printed (and every other log line) from now on. The transport
 * is the real one; we only read its output. Captures may nest.
 */
export function captureConsole() {
  install();
  const start = recorded.length;
  return {
    get lines() {
      return recorded.slice(start);
    },
    emails(): CapturedEmail[] {
      return this.lines
        .filter((line) => line.startsWith('----- email (console transport) -----'))
        .map((line) => {
          const [, from = '', to = '', subject = '', , ...rest] = line.split('\n');
          return {
            from: from.replace(/^From: /, ''),
            to: to.replace(/^To: /, ''),
            subject: subject.replace(/^Subject: /, ''),
            text: rest.slice(0, -1).join('\n'),
          };
        });
    },
    lastEmailTo(address: string): CapturedEmail {
      const found = this.emails().filter((email) => email.to === address);
      const last = found.at(-1);
      if (!last) throw new Error(`no email to ${address}; saw ${this.lines.length} lines`);
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
