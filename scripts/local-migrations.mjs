// `wrangler d1 migrations apply --local` costs about 3 s even when there is nothing to apply, at
// every start. A stamp in the persistence directory remembers which migrations were applied to
// which database file; the command runs again when either changes (new migration, deleted state).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const STAMP = 'auth-service-migrations.json';

function fingerprint(root, persistTo) {
  const hash = createHash('sha256');
  const toml = readFileSync(path.join(root, 'wrangler.toml'), 'utf8');
  hash.update(toml.match(/^\[\[d1_databases\]\][\s\S]*?(?=^\[)/m)?.[0] ?? toml);
  const migrations = path.join(root, 'migrations');
  for (const file of readdirSync(migrations)
    .filter((name) => name.endsWith('.sql'))
    .sort()) {
    hash.update(`\0${file}\0`).update(readFileSync(path.join(migrations, file)));
  }
  // The database file's inode changes when the state is deleted and wrangler creates it anew.
  const d1 = path.join(persistTo, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const databases = existsSync(d1)
    ? readdirSync(d1)
        .filter((name) => name.endsWith('.sqlite') && name !== 'metadata.sqlite')
        .sort()
        .map((name) => `${name}@${statSync(path.join(d1, name)).ino}`)
    : [];
  return JSON.stringify({ migrations: hash.digest('hex'), databases });
}

/** Applies the local D1 migrations with `apply(args)` unless the stamp says nothing changed. */
export function applyLocalMigrations(root, persistTo, apply) {
  const stamp = path.join(persistTo, STAMP);
  const before = fingerprint(root, persistTo);
  if (!before.includes('"databases":[]') && existsSync(stamp) && readFileSync(stamp, 'utf8') === before) {
    console.log('> local D1 migrations: unchanged since the last start, not re-applied');
    return;
  }
  apply(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo]);
  writeFileSync(stamp, fingerprint(root, persistTo));
}
