import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from '../db/schema';

/**
 * The LTI tables, kept apart until they are folded into src/db/schema.ts (drizzle-kit reads that
 * file only, so nothing here is migrated yet). Every secret (registration link, state, nonce,
 * one-time code) is stored as SHA-256 only, like the other single-use tokens.
 */

const id = () =>
  text('id')
    .primaryKey()
    .$defaultFn(() => crypto.randomUUID());
const timestamp = (name: string) => integer(name, { mode: 'timestamp_ms' });

export const LTI_REGISTRATION_KINDS = ['manual', 'dynamic'] as const;

/** One registration of the tool at a platform: one `client_id` at one issuer. */
export const ltiPlatforms = sqliteTable(
  'lti_platforms',
  {
    id: id(),
    name: text('name').notNull(),
    issuer: text('issuer').notNull(),
    clientId: text('client_id').notNull(),
    deploymentIds: text('deployment_ids', { mode: 'json' }).$type<string[]>().notNull().default([]),
    authorizationEndpoint: text('authorization_endpoint').notNull(),
    jwksUrl: text('jwks_url').notNull(),
    tokenEndpoint: text('token_endpoint'),
    trustsEmails: integer('trusts_emails', { mode: 'boolean' }).notNull().default(false),
    /** A role mapping validated by `parseRoleMapping` (roles.ts); null for the defaults. */
    roleMapping: text('role_mapping', { mode: 'json' }).$type<Record<string, string>>(),
    registeredVia: text('registered_via', { enum: LTI_REGISTRATION_KINDS }).notNull().default('manual'),
    createdAt: timestamp('created_at').notNull(),
    updatedAt: timestamp('updated_at').notNull(),
  },
  (t) => [uniqueIndex('lti_platforms_issuer_client_unique').on(t.issuer, t.clientId)],
);

/** The one-time links an admin hands an LMS administrator for dynamic registration (1 h, single use). */
export const ltiRegistrationLinks = sqliteTable(
  'lti_registration_links',
  {
    id: id(),
    tokenHash: text('token_hash').notNull(),
    createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at').notNull(),
    expiresAt: timestamp('expires_at').notNull(),
    usedAt: timestamp('used_at'),
    /** The platform the link registered, once used. */
    platformId: text('platform_id').references(() => ltiPlatforms.id, { onDelete: 'set null' }),
  },
  (t) => [
    uniqueIndex('lti_registration_links_hash_unique').on(t.tokenHash),
    index('lti_registration_links_expires_idx').on(t.expiresAt),
  ],
);

/**
 * A login initiation waiting for its launch: the `state` (key) and the `nonce` sent with it, so
 * the launch can burn the state and require that very nonce in its token. Kept server-side
 * because the LMS iframe may carry no cookie of ours.
 */
export const ltiLoginStates = sqliteTable(
  'lti_login_states',
  {
    stateHash: text('state_hash').primaryKey(),
    nonceHash: text('nonce_hash').notNull(),
    platformId: text('platform_id')
      .notNull()
      .references(() => ltiPlatforms.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at').notNull(),
    expiresAt: timestamp('expires_at').notNull(),
    usedAt: timestamp('used_at'),
  },
  (t) => [index('lti_login_states_expires_idx').on(t.expiresAt)],
);

/** Which account a platform's user (`sub`) signs in to. */
export const ltiUserLinks = sqliteTable(
  'lti_user_links',
  {
    id: id(),
    platformId: text('platform_id')
      .notNull()
      .references(() => ltiPlatforms.id, { onDelete: 'cascade' }),
    sub: text('sub').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at').notNull(),
    lastLaunchAt: timestamp('last_launch_at').notNull(),
  },
  (t) => [
    uniqueIndex('lti_user_links_platform_sub_unique').on(t.platformId, t.sub),
    index('lti_user_links_user_idx').on(t.userId),
  ],
);

/** What the SPA learns about the launch when it exchanges its code (no token, no nonce). */
export interface LtiCodeLaunch {
  deploymentId: string;
  context: { id: string; label: string | null; title: string | null } | null;
  resourceLink: { id: string; title: string | null };
  roles: string[];
  custom: Record<string, string>;
}

/** The one-time `lti_code` a launch hands the SPA (60 s, single use). */
export const ltiCodes = sqliteTable(
  'lti_codes',
  {
    codeHash: text('code_hash').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    platformId: text('platform_id')
      .notNull()
      .references(() => ltiPlatforms.id, { onDelete: 'cascade' }),
    launch: text('launch', { mode: 'json' }).$type<LtiCodeLaunch>().notNull(),
    createdAt: timestamp('created_at').notNull(),
    expiresAt: timestamp('expires_at').notNull(),
    usedAt: timestamp('used_at'),
  },
  (t) => [index('lti_codes_expires_idx').on(t.expiresAt)],
);

export type LtiPlatformRow = typeof ltiPlatforms.$inferSelect;
