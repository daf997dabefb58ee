import { vi } from 'vitest';

export interface CapturedEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
}

/**
 * Records what the console transport prints (and every other log line) for the current test.
 * The transport itself is the real one; we only read its output.
 */
export function captureConsole() {
  const lines: string[] = [];
  const record = (...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  };
  const spies = [
    vi.spyOn(console, 'log').mockImplementation(record),
    vi.spyOn(console, 'error').mockImplementation(record),
    vi.spyOn(console, 'warn').mockImplementation(record),
  ];
  return {
    lines,
    emails(): CapturedEmail[] {
      return lines
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
      if (!last) throw new Error(`no email to ${address}; saw ${lines.length} lines`);
      return last;
    },
    restore() {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

export function tokenFromLink(text: string, path: string): string {
  const match = new RegExp(`${path}\\?token=([A-Za-z0-9_-]+)`).exec(text);
  if (!match?.[1]) throw new Error(`no ${path} link in: ${text}`);
  return match[1];
}
