import { z } from 'zod';
import { ROLES, type Role } from '../db/schema';

/**
 * From the roles an LTI launch carries to the one global role a new account is created with.
 *
 * LTI 1.3 (appendix A.2) names roles in three vocabularies: context roles (the person's part in
 * this course), institution roles and system roles. Platforms send all of them at once (Canvas
 * sends an instructor's institution roles even when they launch as a learner), so the course role
 * decides and the wider vocabularies only count when no course role is known. Sub-roles are
 * sent together with their principal role (`membership#Instructor` and
 * `membership/Instructor#TeachingAssistant`), and the sub-role is the more precise of the two.
 */

const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';
/** Canonical keys: `membership#Instructor`, `membership/Instructor#TeachingAssistant`, `institution/person#Student`. */
type Tier = 'context' | 'institution' | 'system';

/** Roles an LMS may hand out; staff roles of this service stay with its own administrators. */
export const LTI_ASSIGNABLE_ROLES = ROLES.filter((role) => role !== 'ADMIN' && role !== 'SUPER_ADMIN') as Exclude<
  Role,
  'ADMIN' | 'SUPER_ADMIN'
>[];
export type LtiAssignableRole = (typeof LTI_ASSIGNABLE_ROLES)[number];

/** When a launch maps to several roles, the first of this list wins. */
const PRECEDENCE: readonly LtiAssignableRole[] = [
  'MODERATOR',
  'INSTRUCTOR',
  'TEACHING_ASSISTANT',
  'CONTENT_REVIEWER',
  'SUPPORT',
  'STUDENT_PREMIUM',
  'STUDENT',
];

/** Anyone the platform vouches for but whose role we cannot read is the least privileged. */
export const FALLBACK_ROLE: LtiAssignableRole = 'STUDENT';

const DEFAULT_MAPPING: Readonly<Record<string, LtiAssignableRole>> = {
  'membership#Learner': 'STUDENT',
  'membership#Instructor': 'INSTRUCTOR',
  'membership#ContentDeveloper': 'CONTENT_REVIEWER',
  // Course administrators manage a course; in this service that is an instructor, never an admin.
  'membership#Administrator': 'INSTRUCTOR',
  // LTI 1.1's short `TeachingAssistant` has no principal role in LTI 1.3 but is still sent.
  'membership#TeachingAssistant': 'TEACHING_ASSISTANT',
  'membership/Instructor#TeachingAssistant': 'TEACHING_ASSISTANT',
  'membership/Instructor#TeachingAssistantOffering': 'TEACHING_ASSISTANT',
  'membership/Instructor#TeachingAssistantSection': 'TEACHING_ASSISTANT',
  'membership/Instructor#TeachingAssistantSectionAssociation': 'TEACHING_ASSISTANT',
  'membership/Instructor#TeachingAssistantGroup': 'TEACHING_ASSISTANT',
  'membership/Instructor#TeachingAssistantTemplate': 'TEACHING_ASSISTANT',
  'membership/Instructor#Grader': 'TEACHING_ASSISTANT',
  'institution/person#Student': 'STUDENT',
  'institution/person#Learner': 'STUDENT',
  'institution/person#Instructor': 'INSTRUCTOR',
  'institution/person#Faculty': 'INSTRUCTOR',
  'institution/person#Administrator': 'INSTRUCTOR',
  'system/person#Administrator': 'INSTRUCTOR',
};

interface ParsedRole {
  tier: Tier;
  key: string;
  /** The principal's key when this is a sub-role (`membership#Instructor` for `membership/Instructor#Grader`). */
  principal?: string;
}

const LTI11_PREFIXES: readonly [string, Tier][] = [
  ['urn:lti:role:ims/lis/', 'context'],
  ['urn:lti:instrole:ims/lis/', 'institution'],
  ['urn:lti:sysrole:ims/lis/', 'system'],
];

/**
 * Reads one role as sent: a full LIS v2 URI, an LTI 1.1 URN, or a bare context role name
 * (`Instructor`, deprecated by LTI 1.3 but still sent). Anything else is kept verbatim so that a
 * platform's own mapping can still name its proprietary roles.
 */
export function parseRole(raw: string): ParsedRole {
  const role = raw.trim();
  if (role.startsWith(LIS)) return fromLisPath(role.slice(LIS.length), role);
  for (const [prefix, tier] of LTI11_PREFIXES) {
    if (!role.startsWith(prefix)) continue;
    const [principal, sub] = role.slice(prefix.length).split('/');
    if (!principal) break;
    return fromParts(tier, principal, sub);
  }
  if (/^[A-Za-z]+$/.test(role)) return fromParts('context', role);
  if (/^[A-Za-z]+#[A-Za-z]+$/.test(role)) {
    const [principal, sub] = role.split('#') as [string, string];
    return fromParts('context', principal, sub);
  }
  return { tier: 'context', key: role };
}

function fromLisPath(path: string, raw: string): ParsedRole {
  const match = /^(membership|institution\/person|system\/person)(?:\/([A-Za-z]+))?#([A-Za-z]+)$/.exec(path);
  if (!match) return { tier: 'context', key: raw };
  const [, vocabulary, principal, name] = match as unknown as [string, string, string | undefined, string];
  const tier: Tier =
    vocabulary === 'membership' ? 'context' : vocabulary === 'system/person' ? 'system' : 'institution';
  return principal ? fromParts(tier, principal, name) : fromParts(tier, name);
}

function fromParts(tier: Tier, principal: string, sub?: string): ParsedRole {
  const vocabulary =
    tier === 'context' ? 'membership' : tier === 'institution' ? 'institution/person' : 'system/person';
  if (!sub) return { tier, key: `${vocabulary}#${principal}` };
  return { tier, key: `${vocabulary}/${principal}#${sub}`, principal: `${vocabulary}#${principal}` };
}

/** A platform's own mapping, keyed by any spelling `parseRole` reads; validated when an admin saves it. */
export const roleMappingSchema = z
  .record(
    z.string().trim().min(1).max(255),
    z.enum(LTI_ASSIGNABLE_ROLES as [LtiAssignableRole, ...LtiAssignableRole[]]),
  )
  .refine((mapping) => Object.keys(mapping).length <= 100, { message: 'at most 100 roles may be mapped' });
export type RoleMapping = z.infer<typeof roleMappingSchema>;

export type RoleMappingParse = { ok: true; mapping: RoleMapping } | { ok: false; reason: 'invalid_role_mapping' };

/** Parses a stored or submitted mapping (JSON text or an object); ADMIN and SUPER_ADMIN are refused. */
export function parseRoleMapping(input: unknown): RoleMappingParse {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      return { ok: false, reason: 'invalid_role_mapping' };
    }
  }
  const parsed = roleMappingSchema.safeParse(value);
  return parsed.success ? { ok: true, mapping: parsed.data } : { ok: false, reason: 'invalid_role_mapping' };
}

export interface RoleDecision {
  role: LtiAssignableRole;
  /** The LTI role that decided, as sent; null when none was recognised and the fallback applies. */
  decidedBy: string | null;
}

/**
 * The role a new account gets from a launch's roles. A platform mapping overrides the defaults
 * role by role; whatever it says, the result is never ADMIN or SUPER_ADMIN (a mapping stored
 * before a rule change, or written straight into the database, is capped here too).
 */
export function mapLtiRoles(
  roles: readonly string[],
  mapping: Readonly<Record<string, string>> | null = null,
): RoleDecision {
  const custom = new Map<string, string>();
  for (const [name, role] of Object.entries(mapping ?? {})) custom.set(parseRole(name).key, role);
  const lookup = (key: string): LtiAssignableRole | undefined => {
    const override = custom.get(key);
    if (override !== undefined) return capRole(override);
    return DEFAULT_MAPPING[key];
  };

  const parsed = roles.map((raw) => ({ raw, ...parseRole(raw) }));
  for (const tier of ['context', 'institution', 'system'] as const) {
    const inTier = parsed.filter((role) => role.tier === tier);
    // A principal role is superseded by any of its sub-roles that is mapped.
    const superseded = new Set(
      inTier.filter((role) => role.principal && lookup(role.key)).map((role) => role.principal),
    );
    const mapped = inTier
      .filter((role) => !superseded.has(role.key))
      .map((role) => ({ raw: role.raw, role: lookup(role.key) }))
      .filter((candidate): candidate is { raw: string; role: LtiAssignableRole } => candidate.role !== undefined);
    if (mapped.length === 0) continue;
    mapped.sort((a, b) => PRECEDENCE.indexOf(a.role) - PRECEDENCE.indexOf(b.role));
    const [best] = mapped as [{ raw: string; role: LtiAssignableRole }];
    return { role: best.role, decidedBy: best.raw };
  }
  return { role: FALLBACK_ROLE, decidedBy: null };
}

function capRole(role: string): LtiAssignableRole | undefined {
  if (role === 'ADMIN' || role === 'SUPER_ADMIN') return 'INSTRUCTOR';
  return (LTI_ASSIGNABLE_ROLES as readonly string[]).includes(role) ? (role as LtiAssignableRole) : undefined;
}
