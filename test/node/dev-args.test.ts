import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { devOptions } from '../../scripts/dev-args.mjs';

/** `npm start -- <args>` reads the wrangler dev options it applies itself the way wrangler does. */
const root = path.resolve(import.meta.dirname, '../..');

describe('devOptions', () => {
  it('defaults to wrangler.toml’s port and the default persistence directory', () => {
    expect(devOptions([], root)).toEqual({
      persistTo: path.join(root, '.wrangler', 'state'),
      envFiles: [],
      vars: {},
      env: undefined,
      port: 8001,
      ip: 'localhost',
    });
  });

  it('reads both spellings, repeated and multi-value options, and leaves other arguments alone', () => {
    const options = devOptions(
      [
        '--port=8002',
        '--persist-to',
        '/tmp/state',
        '--env-file',
        'a.vars',
        'b.vars',
        '--live-reload',
        '--var',
        'ACCESS_TOKEN_TTL:60',
        'APP_URL:http://localhost:3000',
        '--env-file=c.vars',
        '--ip',
        '127.0.0.1',
        '-e',
        'staging',
      ],
      root,
    );
    expect(options).toEqual({
      persistTo: '/tmp/state',
      envFiles: ['a.vars', 'b.vars', 'c.vars'].map((file) => path.join(root, file)),
      vars: { ACCESS_TOKEN_TTL: '60', APP_URL: 'http://localhost:3000' },
      env: 'staging',
      port: 8002,
      ip: '127.0.0.1',
    });
  });
});
