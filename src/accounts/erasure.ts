/*
 * The erasure of accounts whose deletion grace period is over (run by the nightly job,
 * maintenance/purge.ts). Plain SQL on the D1 binding: it works in slices, like the purge, because
 * D1 bounds a statement's duration and a user may own a hundred thousand history rows.
 */

/** D1 bounds a statement's duration: delete and rewrite in slices. */
const SLICE = 5_000;
const MAX_SLICES = 400;
/** Accounts erased per run; the rest wait for the next night. */
const MAX_ACCOUNTS_PER_RUN = 200;

/**
 * Rows that belong to a user: `where` selects them with one `?`, bound to the user's id, or to each
 * of their addresses (the current one and those they changed from).
 * THE list of what an erasure deletes, in order (children before parents). A table that holds a
 * user's rows gets one line here: passkeys, WebAuthn challenges, LTI links and codes, daily roll-ups.
 * Rows to keep but detach say so with `set` (e.g. a record created by a member of staff).
 */
interface UserRows {
  table: string;
  where: string;
  param: 'id' | 'email';
  /** Instead of deleting: the assignment that detaches the row from the user. */
  set?: string;
}

export const USER_OWNED_ROWS: readonly UserRows[] = [
  { table: 'sessions', where: 'user_id = ?', param: 'id' },
  { table: 'one_time_tokens', where: 'user_id = ?', param: 'id' },
  { table: 'backup_codes', where: 'user_id = ?', param: 'id' },
  { table: 'oauth_accounts', where: 'user_id = ?', param: 'id' },
  { table: 'passkeys', where: 'user_id = ?', param: 'id' },
  { table: 'webauthn_challenges', where: 'user_id = ?', param: 'id' },
  { table: 'lti_codes', where: 'user_id = ?', param: 'id' },
  { table: 'lti_user_links', where: 'user_id = ?', param: 'id' },
  // A registration link an admin made outlives them: kept, without its author.
  { table: 'lti_registration_links', where: 'created_by = ?', param: 'id', set: 'created_by = NULL' },
  { table: 'login_history', where: 'user_id = ?', param: 'id' },
  // The statistics' daily roll-ups (issue 19): counts only, but of this user's sign-ins.
  { table: 'login_history_daily', where: 'user_id = ?', param: 'id' },
  // Attempts on the address with no account behind them (before the account, or a typo'd sign-in)
  // still name the person.
  { table: 'login_history', where: 'user_id IS NULL AND email = ?', param: 'email' },
];

interface DueAccount {
  id: string;
  email: string;
}

interface ErasedAccount {
  id: string;
  /** The current address first, then every earlier one the audit log remembers. */
  addresses: string[];
}

/** The addresses the account had: its own, and those its email changes left behind. */
async function addressesOf(db: D1Database, account: DueAccount): Promise<string[]> {
  const earlier = await db
    .prepare(
      "SELECT DISTINCT lower(json_extract(details, '$.old_email')) AS address FROM audit_log WHERE user_id = ? AND event = 'user.email_changed'",
    )
    .bind(account.id)
    .all<{ address: string | null }>();
  const addresses = [account.email, ...earlier.results.map((row) => row.address)];
  return [...new Set(addresses.filter((address): address is string => Boolean(address)))];
}

async function inSlices(statement: (limit: number) => D1PreparedStatement): Promise<number> {
  let total = 0;
  for (let slice = 0; slice < MAX_SLICES; slice++) {
    const { meta } = await statement(SLICE).run();
    total += meta.changes;
    if (meta.changes < SLICE) break;
  }
  return total;
}

async function removeOwnedRows(db: D1Database, account: ErasedAccount): Promise<void> {
  for (const rows of USER_OWNED_ROWS) {
    const selected = `SELECT rowid FROM ${rows.table} WHERE ${rows.where} LIMIT ?`;
    const statement = rows.set
      ? `UPDATE ${rows.table} SET ${rows.set} WHERE rowid IN (${selected})`
      : `DELETE FROM ${rows.table} WHERE rowid IN (${selected})`;
    for (const value of rows.param === 'id' ? [account.id] : account.addresses) {
      await inSlices((limit) => db.prepare(statement).bind(value, limit));
    }
  }
}

/**
 * The audit details without personal data: keys about emails and any value holding an address are
 * dropped, and the user's id becomes the tombstone wherever it appears. Other values keep their
 * JSON type (json_each gives booleans as 0/1 and nested values as text, hence the CASE).
 * ?1 = the user's id, ?3 = the tombstone id.
 */
const SCRUBBED_DETAILS = `CASE WHEN details IS NULL THEN NULL ELSE (
  SELECT json_group_object(key, CASE type
      WHEN 'text' THEN replace(value, ?1, ?3)
      WHEN 'true' THEN json('true')
      WHEN 'false' THEN json('false')
      WHEN 'null' THEN json('null')
      WHEN 'object' THEN json(replace(value, ?1, ?3))
      WHEN 'array' THEN json(replace(value, ?1, ?3))
      ELSE value END)
  FROM json_each(audit_log.details)
  WHERE key NOT LIKE '%email%' AND NOT (type IN ('text', 'object', 'array') AND instr(value, '@') > 0)
) END`;

/**
 * Audit entries outlive the account (they are the service's security record), without what
 * identifies the person: the user's id (as subject or actor) becomes a tombstone id that no table
 * maps back, IP and user agent go, and so do emails in the details. Entries that only mention the
 * user (an unknown-email sign-in with the address, a claim replaced by this account) are scrubbed too.
 * ?1 = id, ?2 = email, ?3 = tombstone.
 */
async function anonymiseAudit(db: D1Database, account: ErasedAccount, tombstone: string): Promise<void> {
  const params = [account.id, account.addresses[0], tombstone];
  for (const column of ['user_id', 'actor_id']) {
    await inSlices((limit) =>
      db
        .prepare(
          `UPDATE audit_log SET
             user_id = CASE WHEN user_id = ?1 THEN ?3 ELSE user_id END,
             actor_id = CASE WHEN actor_id = ?1 THEN ?3 ELSE actor_id END,
             ip_address = NULL, user_agent = NULL, details = ${SCRUBBED_DETAILS}
           WHERE rowid IN (SELECT rowid FROM audit_log WHERE ${column} = ?1 LIMIT ?4)`,
        )
        .bind(...params, limit),
    );
  }
  // Mentions in the details: one scan of the table per address, at night.
  for (const address of account.addresses) {
    await inSlices((limit) =>
      db
        .prepare(
          `UPDATE audit_log SET
             ip_address = CASE WHEN instr(lower(details), ?2) > 0 THEN NULL ELSE ip_address END,
             user_agent = CASE WHEN instr(lower(details), ?2) > 0 THEN NULL ELSE user_agent END,
             details = ${SCRUBBED_DETAILS}
           WHERE rowid IN (SELECT rowid FROM audit_log WHERE instr(details, ?1) > 0 OR instr(lower(details), ?2) > 0 LIMIT ?4)`,
        )
        .bind(account.id, address, tombstone, limit),
    );
  }
}

/** Erases one account: its rows, its identity in the audit log, then the user itself. */
async function eraseAccount(db: D1Database, due: DueAccount, now: number): Promise<boolean> {
  const tombstone = crypto.randomUUID();
  // Read before the audit entries that remember earlier addresses are scrubbed.
  const account = { id: due.id, addresses: await addressesOf(db, due) };
  await removeOwnedRows(db, account);
  await anonymiseAudit(db, account, tombstone);
  // Cascades to anything a forgotten table still holds; only if the deletion is still due.
  const { meta } = await db.prepare('DELETE FROM users WHERE id = ? AND deletion_due_at <= ?').bind(due.id, now).run();
  if (meta.changes === 0) return false;
  await db
    .prepare(
      "INSERT INTO audit_log (id, event, user_id, actor_id, details, created_at) VALUES (?, 'account.erased', ?, NULL, NULL, ?)",
    )
    .bind(crypto.randomUUID(), tombstone, now)
    .run();
  return true;
}

/** Erases every account whose deletion fell due at or before `now`; returns how many. */
export async function eraseDueAccounts(db: D1Database, now: number): Promise<number> {
  const due = await db
    .prepare(
      'SELECT id, email FROM users WHERE deletion_due_at IS NOT NULL AND deletion_due_at <= ? ORDER BY deletion_due_at LIMIT ?',
    )
    .bind(now, MAX_ACCOUNTS_PER_RUN)
    .all<DueAccount>();
  let erased = 0;
  for (const account of due.results) {
    if (await eraseAccount(db, account, now)) erased++;
  }
  return erased;
}
