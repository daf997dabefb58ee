import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The document as the code generates it (no server needed), held to the Redocly linter's
 * recommended rules, and turned into a typed client the way the README shows. `npm run lint:openapi`.
 */
const root = path.resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'auth-service-openapi-'));
const documentFile = path.join(scratch, 'openapi.json');

/**
 * Warnings of the recommended rules we accept, and why. Any other warning fails like an error.
 * - info-license: a private service has no licence to state.
 * - no-server-example.com: the document names the deployment it is served from, here the local one.
 */
const ACCEPTED_WARNINGS = new Set(['info-license', 'no-server-example.com']);

/** Runs a tool of node_modules with the Node running this test (the project's Node 22). */
function tool(script: string, args: string[]) {
  return spawnSync(process.execPath, [path.join(root, 'node_modules', script), ...args], {
    cwd: scratch,
    encoding: 'utf8',
    // No telemetry, no update check: nothing leaves the machine.
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    timeout: 60_000,
  });
}

/**
 * The app's modules, loaded by path: the node project type-checks without the Workers types the
 * app's code needs (tsconfig.node.json), and at run time the document needs none of them.
 */
async function generatedDocument(): Promise<unknown> {
  const modules = { app: '../../src/app', document: '../../src/openapi/document' };
  const { createApp } = (await import(modules.app)) as { createApp(): unknown };
  const { openApiDocument } = (await import(modules.document)) as {
    openApiDocument(app: unknown, origin: string, version: string): unknown;
  };
  return openApiDocument(createApp(), 'http://localhost:8001', '1.0.0');
}

beforeAll(async () => {
  writeFileSync(documentFile, JSON.stringify(await generatedDocument()));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the OpenAPI document', () => {
  it('lints clean with @redocly/cli and the recommended rules', { timeout: 90_000 }, () => {
    const lint = tool('@redocly/cli/bin/cli.js', [
      'lint',
      '--extends',
      'recommended',
      '--format',
      'json',
      documentFile,
    ]);
    const report = JSON.parse(lint.stdout) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
    };
    const refused = report.problems
      .filter((problem) => problem.severity === 'error' || !ACCEPTED_WARNINGS.has(problem.ruleId))
      .map((problem) => `${problem.severity} ${problem.ruleId} at ${problem.location[0]?.pointer}: ${problem.message}`);
    console.log(`redocly: ${report.totals.errors} errors, ${report.totals.warnings} warnings`);
    expect(refused).toEqual([]);
    expect(lint.status).toBe(0);
  });

  it('generates a typed client with openapi-typescript, as the README shows', { timeout: 90_000 }, () => {
    const types = path.join(scratch, 'auth-api.d.ts');
    // Fields with a default (remember_me) stay optional in requests only with --default-non-nullable false.
    const generated = tool('openapi-typescript/bin/cli.js', [
      documentFile,
      '--default-non-nullable',
      'false',
      '-o',
      types,
    ]);
    expect(generated.status, generated.stderr).toBe(0);
    // The README's example, then values a client would write with those types.
    writeFileSync(
      path.join(scratch, 'client.ts'),
      [
        "import type { components, paths } from './auth-api';",
        "type Login = paths['/api/auth/login']['post'];",
        "type LoginBody = Login['requestBody']['content']['application/json'];",
        "type SignedIn = Login['responses'][200]['content']['application/json'];",
        "type ProblemCode = components['schemas']['Problem']['code'];",
        "export const body: LoginBody = { email: 'ada@example.com', password: 'x' };",
        'export const email = (answer: SignedIn): string => answer.user.email;',
        "export const code: ProblemCode = 'invalid_credentials';",
        '',
      ].join('\n'),
    );
    const checked = tool('typescript/bin/tsc', ['--noEmit', '--strict', '--skipLibCheck', 'client.ts']);
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.status).toBe(0);
  });
});
