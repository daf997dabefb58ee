import { count, desc, eq } from 'drizzle-orm';
import type { z } from 'zod';
import { audit } from '../audit/log';
import { type LtiPlatformRow, ltiPlatforms, ltiUserLinks, type User } from '../db/schema';
import { ApiError } from '../errors';
import type { Scope } from '../scope';
import { sharedPlatformKeys } from './platform-keys';
import { awaitsFirstDeployment, findPlatform, isUniqueViolation } from './registry';
import type { PlatformCreateRequest, PlatformUpdateRequest } from './schemas';

/** The platform registry for admins (permission `lti.manage`); every change is audited. */

export function platformView(row: LtiPlatformRow, linkedAccounts: number) {
  return {
    id: row.id,
    name: row.name,
    issuer: row.issuer,
    client_id: row.clientId,
    deployment_ids: row.deploymentIds,
    awaiting_deployment: awaitsFirstDeployment(row),
    authorization_endpoint: row.authorizationEndpoint,
    jwks_url: row.jwksUrl,
    token_endpoint: row.tokenEndpoint,
    trusts_emails: row.trustsEmails,
    role_mapping: row.roleMapping,
    frame_origins: row.frameOrigins,
    registered_via: row.registeredVia,
    linked_accounts: linkedAccounts,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

async function linkedAccounts(scope: Scope, platformId: string): Promise<number> {
  const [row] = await scope.db.select({ n: count() }).from(ltiUserLinks).where(eq(ltiUserLinks.platformId, platformId));
  return row?.n ?? 0;
}

export async function listPlatforms(scope: Scope) {
  const rows = await scope.db.select().from(ltiPlatforms).orderBy(desc(ltiPlatforms.createdAt)).limit(500);
  const counts = await scope.db
    .select({ platformId: ltiUserLinks.platformId, n: count() })
    .from(ltiUserLinks)
    .groupBy(ltiUserLinks.platformId);
  const byPlatform = new Map(counts.map((entry) => [entry.platformId, entry.n]));
  return rows.map((row) => platformView(row, byPlatform.get(row.id) ?? 0));
}

export async function loadPlatform(scope: Scope, id: string): Promise<LtiPlatformRow> {
  const row = await findPlatform(scope.db, id);
  if (!row) throw new ApiError('not_found', { detail: 'No such LTI platform' });
  return row;
}

const alreadyRegistered = () =>
  new ApiError('conflict', { detail: 'A platform with this issuer and client id is already registered' });

export async function createPlatform(scope: Scope, actor: User, input: z.output<typeof PlatformCreateRequest>) {
  const now = new Date();
  let row: LtiPlatformRow | undefined;
  try {
    [row] = await scope.db
      .insert(ltiPlatforms)
      .values({
        name: input.name,
        issuer: input.issuer,
        clientId: input.client_id,
        deploymentIds: input.deployment_ids,
        authorizationEndpoint: input.authorization_endpoint,
        jwksUrl: input.jwks_url,
        tokenEndpoint: input.token_endpoint,
        trustsEmails: input.trusts_emails,
        roleMapping: input.role_mapping,
        frameOrigins: input.frame_origins,
        registeredVia: 'manual',
        createdAt: now,
        updatedAt: now,
      })
      .returning();
  } catch (error) {
    if (isUniqueViolation(error)) throw alreadyRegistered();
    throw error;
  }
  if (!row) throw new Error('insert returned no platform');
  audit(scope, 'lti.platform_created', {
    actorId: actor.id,
    details: { platform_id: row.id, platform: row.name, issuer: row.issuer, client_id: row.clientId },
  });
  return platformView(row, 0);
}

export async function updatePlatform(
  scope: Scope,
  actor: User,
  current: LtiPlatformRow,
  input: z.output<typeof PlatformUpdateRequest>,
) {
  const changes = {
    name: input.name,
    deploymentIds: input.deployment_ids,
    authorizationEndpoint: input.authorization_endpoint,
    jwksUrl: input.jwks_url,
    tokenEndpoint: input.token_endpoint,
    trustsEmails: input.trusts_emails,
    roleMapping: input.role_mapping,
    frameOrigins: input.frame_origins,
  };
  const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
  const [row] = await scope.db
    .update(ltiPlatforms)
    .set({ ...defined, updatedAt: new Date() })
    .where(eq(ltiPlatforms.id, current.id))
    .returning();
  if (!row) throw new ApiError('not_found', { detail: 'No such LTI platform' });
  // A new key set URL must be read afresh, not served from this isolate's cache of the old one.
  if (input.jwks_url !== undefined) sharedPlatformKeys.forget(current.jwksUrl);
  audit(scope, 'lti.platform_updated', {
    actorId: actor.id,
    details: { platform_id: row.id, platform: row.name, changed: Object.keys(input).sort() },
  });
  return platformView(row, await linkedAccounts(scope, row.id));
}

/**
 * Deleting a platform deletes its links: accounts that signed in only through it could no
 * longer sign in. So while accounts are linked, deletion needs `force`.
 */
export async function deletePlatform(scope: Scope, actor: User, current: LtiPlatformRow, force: boolean) {
  const linked = await linkedAccounts(scope, current.id);
  if (linked > 0 && !force) {
    throw new ApiError('conflict', {
      detail: `${linked} account(s) sign in through this platform; pass force=true to delete it and their links anyway`,
      reason: 'platform_has_linked_accounts',
    });
  }
  await scope.db.delete(ltiPlatforms).where(eq(ltiPlatforms.id, current.id));
  sharedPlatformKeys.forget(current.jwksUrl);
  audit(scope, 'lti.platform_deleted', {
    actorId: actor.id,
    details: {
      platform_id: current.id,
      platform: current.name,
      issuer: current.issuer,
      client_id: current.clientId,
      links_removed: linked,
    },
  });
}
