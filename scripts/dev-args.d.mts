// Types of dev-args.mjs for the TypeScript tests that import it.
export interface DevOptions {
  persistTo: string;
  envFiles: string[];
  vars: Record<string, string>;
  env: string | undefined;
  port: number;
  ip: string;
}
export function devOptions(args: string[], root: string): DevOptions;
