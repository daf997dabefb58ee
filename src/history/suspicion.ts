import { and, desc, eq, isNotNull, sql } from 'drizzle-orm';
import { loginHistory } from '../db/schema';
import type { ClientInfo } from '../lib/client-info';
import type { Scope } from '../scope';

export type SuspicionReason = 'new_country' | 'new_device' | 'impossible_travel';

/** Faster than an airliner over a real distance: the same person cannot have made both logins. */
const MAX_PLAUSIBLE_KMH = 1000;
const MIN_DISTANCE_KM = 300;

export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const radians = (degrees: number) => (degrees * Math.PI) / 180;
  const dLat = radians(b.lat - a.lat);
  const dLon = radians(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(radians(a.lat)) * Math.cos(radians(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

/**
 * Compares a successful sign-in with the user's earlier successful ones: a country or a device
 * (type, browser and OS) never seen, or a speed from the previous located login that no traveller
 * reaches. The first sign-in of an account is never suspicious: there is nothing to compare with.
 */
export async function assessSignIn(
  scope: Scope,
  userId: string,
  client: ClientInfo,
  now: number,
): Promise<SuspicionReason[]> {
  const successes = and(eq(loginHistory.userId, userId), eq(loginHistory.success, true));
  const [[previous], sameCountry, sameDevice, [lastLocated]] = await scope.db.batch([
    scope.db.select({ id: loginHistory.id }).from(loginHistory).where(successes).limit(1),
    scope.db
      .select({ id: loginHistory.id })
      .from(loginHistory)
      .where(and(successes, eq(loginHistory.country, client.country ?? '')))
      .limit(1),
    scope.db
      .select({ id: loginHistory.id })
      .from(loginHistory)
      .where(
        and(
          successes,
          eq(loginHistory.device, client.device),
          // IS: null-safe equality, so an agent without a recognised browser or OS still matches itself.
          sql`${loginHistory.browserName} IS ${client.browserName}`,
          sql`${loginHistory.os} IS ${client.os}`,
        ),
      )
      .limit(1),
    scope.db
      .select({ lat: loginHistory.latitude, lon: loginHistory.longitude, at: loginHistory.createdAt })
      .from(loginHistory)
      .where(and(successes, isNotNull(loginHistory.latitude), isNotNull(loginHistory.longitude)))
      .orderBy(desc(loginHistory.createdAt))
      .limit(1),
  ]);
  if (!previous) return [];
  const reasons: SuspicionReason[] = [];
  if (client.country && sameCountry.length === 0) reasons.push('new_country');
  if (client.userAgent && sameDevice.length === 0) reasons.push('new_device');
  if (lastLocated?.lat != null && lastLocated.lon != null && client.latitude !== null && client.longitude !== null) {
    const km = distanceKm(
      { lat: lastLocated.lat, lon: lastLocated.lon },
      { lat: client.latitude, lon: client.longitude },
    );
    const hours = Math.max((now - lastLocated.at.getTime()) / 3_600_000, 1 / 60);
    if (km >= MIN_DISTANCE_KM && km / hours > MAX_PLAUSIBLE_KMH) reasons.push('impossible_travel');
  }
  return reasons;
}
