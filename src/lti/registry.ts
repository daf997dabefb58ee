import { and, eq, sql } from 'drizzle-orm';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import type { Database } from '../db/client';
import { type LtiPlatformRow, ltiPlatforms } from '../db/schema';
import type { LtiPlatform } from './platform';

/**
 * The platform registry in D1: rows to the `LtiPlatform` the checks work on, the origins allowed
 * to frame the /lti/ pages, and the deployment policy for platforms registered without one.
 */

export function toLtiPlatform(row: LtiPlatformRow): LtiPlatform {
  return {
    id: row.id,
    name: row.name,
    issuer: row.issuer,
    clientId: row.clientId,
    deploymentIds: row.deploymentIds,
    authorizationEndpoint: row.authorizationEndpoint,
    jwksUrl: row.jwksUrl,
    tokenEndpoint: row.tokenEndpoint,
    trustsEmails: row.trustsEmails,
    roleMapping: row.roleMapping,
  };
}

/**
 * Canvas answers a dynamic registration before any deployment exists (an administrator deploys
 * the new developer key afterwards), so such a platform knows no deployment yet. Its first signed
 * launch names the deployment, which is then adopted, once: every later deployment is added by an
 * admin. Platforms entered by hand never adopt: whoever typed them in can type the deployment too.
 */
export function awaitsFirstDeployment(row: LtiPlatformRow): boolean {
  return row.registeredVia === 'dynamic' && row.deploymentIds.length === 0;
}

/**
 * Records the first deployment of a platform that awaits one. The condition is part of the
 * update, so two first launches from different deployments cannot both be adopted; the loser is
 * accepted only when the winner adopted the very same deployment.
 */
export async function adoptFirstDeployment(db: Database, platformId: string, deploymentId: string): Promise<boolean> {
  const adopted = await db
    .update(ltiPlatforms)
    .set({ deploymentIds: [deploymentId], updatedAt: new Date() })
    .where(
      and(
        eq(ltiPlatforms.id, platformId),
        eq(ltiPlatforms.registeredVia, 'dynamic'),
        sql`${ltiPlatforms.deploymentIds} = '[]'`,
      ),
    )
    .returning({ id: ltiPlatforms.id });
  if (adopted.length > 0) return true;
  const now = await findPlatform(db, platformId);
  return now?.deploymentIds.includes(deploymentId) ?? false;
}

export function findPlatform(db: Database, id: string): Promise<LtiPlatformRow | undefined> {
  return db.query.ltiPlatforms.findFirst({ where: eq(ltiPlatforms.id, id) });
}

export function platformsAtIssuer(db: Database, issuer: string): Promise<LtiPlatformRow[]> {
  return db.select().from(ltiPlatforms).where(eq(ltiPlatforms.issuer, issuer)).limit(50);
}

/** The origins a platform's pages frame us from: its issuer's, its authorization endpoint's, and those an admin added. */
export function originsOf(row: Pick<LtiPlatformRow, 'issuer' | 'authorizationEndpoint' | 'frameOrigins'>): string[] {
  const origins = new Set<string>();
  for (const url of [row.issuer, row.authorizationEndpoint, ...row.frameOrigins]) {
    try {
      const { origin } = new URL(url);
      if (origin !== 'null') origins.add(origin);
    } catch {
      // Stored values were checked when saved; a broken one only loses its origin here.
    }
  }
  return [...origins];
}

/** Every registered platform's origins, for the `frame-ancestors` of the /lti/ pages. */
export async function registeredFrameOrigins(db: Database): Promise<string[]> {
  const rows = await db
    .select({
      issuer: ltiPlatforms.issuer,
      authorizationEndpoint: ltiPlatforms.authorizationEndpoint,
      frameOrigins: ltiPlatforms.frameOrigins,
    })
    .from(ltiPlatforms);
  return [...new Set(rows.flatMap(originsOf))];
}

/** The insert hit a unique index (here: a second registration of the same client at the same issuer). */
export function isUniqueViolation(error: unknown): boolean {
  const cause = error instanceof DrizzleQueryError ? error.cause : error;
  return cause instanceof Error && /UNIQUE constraint failed/.test(cause.message);
}
