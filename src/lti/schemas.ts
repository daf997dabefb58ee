import { z } from '@hono/zod-openapi';
import { MFA_REQUIRED_EXAMPLE, MfaRequiredProblem } from '../openapi/responses';
import { LoginResponse } from '../sign-in/schemas';
import { roleMappingSchema } from './roles';
import { checkIssuer, checkPlatformUrl } from './url-policy';

// ---- Admin API: the platform registry ---------------------------------------------------------

const URL_RULE = 'Must be an https URL (http only on localhost, 127.0.0.0/8 or [::1]), without credentials or fragment';
const platformUrl = z
  .string()
  .trim()
  .max(2048)
  .refine((value) => checkPlatformUrl(value).ok, URL_RULE)
  .openapi({ type: 'string', format: 'uri', maxLength: 2048 });
const issuer = z
  .string()
  .trim()
  .max(2048)
  .refine((value) => checkIssuer(value).ok, `${URL_RULE}; no query either`)
  .openapi({ type: 'string', format: 'uri', maxLength: 2048, example: 'https://moodle.school.example' });
const frameOrigin = z
  .string()
  .trim()
  .max(2048)
  .refine((value) => {
    const check = checkPlatformUrl(value);
    return check.ok && check.url.origin === value.replace(/\/+$/, '');
  }, 'Must be an origin (https://host[:port]; http only on loopback hosts)')
  .openapi({ type: 'string', example: 'https://school.instructure.com' });
const deploymentIds = z
  .array(z.string().trim().min(1).max(255))
  .max(100)
  .refine((ids) => new Set(ids).size === ids.length, 'Deployment ids must be unique');
const roleMapping = roleMappingSchema.openapi({
  description:
    'LTI role (full URI, LTI 1.1 URN or short name) → role of this service, overriding the defaults; ADMIN and SUPER_ADMIN are refused',
  example: { 'http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor': 'TEACHING_ASSISTANT' },
});

const editable = {
  name: z.string().trim().min(1).max(100).openapi({ example: 'Moodle (moodle.school.example)' }),
  deployment_ids: deploymentIds.openapi({ example: ['1'] }),
  authorization_endpoint: platformUrl,
  jwks_url: platformUrl,
  token_endpoint: platformUrl.nullable(),
  trusts_emails: z.boolean().openapi({
    description:
      'Whether a launch may sign in to the existing verified account with the email the platform sends, and new accounts get that email',
  }),
  role_mapping: roleMapping.nullable(),
  frame_origins: z.array(frameOrigin).max(20).openapi({
    description:
      "Origins that frame the tool besides the issuer's and the authorization endpoint's (Canvas Cloud: your school's Canvas domain)",
  }),
};

export const PlatformCreateRequest = z
  .strictObject({
    name: editable.name,
    issuer,
    client_id: z.string().trim().min(1).max(255).openapi({ example: 'aBcD1234' }),
    deployment_ids: editable.deployment_ids.default([]),
    authorization_endpoint: editable.authorization_endpoint,
    jwks_url: editable.jwks_url,
    token_endpoint: editable.token_endpoint.default(null),
    trusts_emails: editable.trusts_emails.default(false),
    role_mapping: editable.role_mapping.default(null),
    frame_origins: editable.frame_origins.default([]),
  })
  .openapi('LtiPlatformCreateRequest', {
    example: {
      name: 'Moodle',
      issuer: 'https://moodle.school.example',
      client_id: 'aBcD1234',
      deployment_ids: ['1'],
      authorization_endpoint: 'https://moodle.school.example/mod/lti/auth.php',
      jwks_url: 'https://moodle.school.example/mod/lti/certs.php',
      token_endpoint: 'https://moodle.school.example/mod/lti/token.php',
      trusts_emails: true,
      role_mapping: null,
      frame_origins: [],
    },
  });

export const PlatformUpdateRequest = z
  .strictObject({
    name: editable.name.optional(),
    deployment_ids: editable.deployment_ids.optional(),
    authorization_endpoint: editable.authorization_endpoint.optional(),
    jwks_url: editable.jwks_url.optional(),
    token_endpoint: editable.token_endpoint.optional(),
    trusts_emails: editable.trusts_emails.optional(),
    role_mapping: editable.role_mapping.optional(),
    frame_origins: editable.frame_origins.optional(),
  })
  .openapi('LtiPlatformUpdateRequest', {
    description: 'Any subset of the editable fields; issuer and client id never change (delete and create instead)',
    example: { deployment_ids: ['1', '2'], trusts_emails: true },
  });

export const PlatformIdParam = z.object({
  id: z.uuid({ message: 'Must be a platform id (UUID)' }).openapi({ param: { name: 'id', in: 'path' } }),
});

export const PlatformDeleteQuery = z.object({
  force: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true')
    .openapi({
      param: { name: 'force', in: 'query' },
      type: 'string',
      enum: ['true', 'false'],
      description: 'Delete even though accounts are linked through it (their links go with it)',
    }),
});

export const LtiPlatformView = z
  .object({
    id: z.uuid(),
    name: z.string(),
    issuer: z.string(),
    client_id: z.string(),
    deployment_ids: z.array(z.string()),
    awaiting_deployment: z.boolean().openapi({
      description: 'Registered dynamically without a deployment: its first launch adopts one (Canvas)',
    }),
    authorization_endpoint: z.string(),
    jwks_url: z.string(),
    token_endpoint: z.string().nullable(),
    trusts_emails: z.boolean(),
    role_mapping: z.record(z.string(), z.string()).nullable(),
    frame_origins: z.array(z.string()),
    registered_via: z.enum(['manual', 'dynamic']),
    linked_accounts: z.number().int(),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .openapi('LtiPlatform');

export const LtiPlatformList = z.object({ platforms: z.array(LtiPlatformView) }).openapi('LtiPlatformList');
export const LtiPlatformAnswer = z.object({ platform: LtiPlatformView }).openapi('LtiPlatformAnswer');

export const RegistrationLink = z
  .object({
    url: z.string().openapi({ description: "Paste into the LMS's dynamic registration (single use)" }),
    expires_at: z.iso.datetime(),
  })
  .openapi('LtiRegistrationLink', {
    example: {
      url: 'https://auth.example/lti/register?link=wQk0eR4b3c2d1e0f9g8h7i6j5k4l3m2n1o0p9q8r7s6',
      expires_at: '2026-11-30T09:05:00.000Z',
    },
  });

export const ToolConfiguration = z
  .object({
    login_url: z.string().openapi({ description: 'OpenID Connect login initiation URL' }),
    launch_url: z.string().openapi({ description: 'Redirect URI (the launch is posted here)' }),
    jwks_url: z.string().openapi({ description: "The tool's public keys" }),
    target_link_uri: z.string().openapi({ description: 'Where launches land (the SPA)' }),
    registration_url: z.string().openapi({ description: 'Base of the one-time dynamic registration links' }),
    target_origins: z.array(z.string()).openapi({ description: 'LTI_TARGET_ORIGINS in effect' }),
  })
  .openapi('LtiToolConfiguration');

// ---- The SPA's exchange -------------------------------------------------------------------------

export const ExchangeRequest = z
  .strictObject({ code: z.string().min(1).max(200).openapi({ description: 'The `lti_code` of the target link' }) })
  .openapi('LtiExchangeRequest', { example: { code: 'kR1q0m2l3n4o5p6q7r8s9t0u1v2w3x4y5z6a7b8c9d0' } });

const EXAMPLE_CONTEXT = {
  platform: {
    id: '0b5f8c1e-3d2a-4f6b-9c8d-7e6f5a4b3c2d',
    name: 'moodle (moodle.school.example)',
    issuer: 'https://moodle.school.example',
  },
  deployment_id: '1',
  context: { id: 'course-7', label: 'CS101', title: 'Introduction to Computing' },
  resource_link: { id: 'resource-link-42', title: 'Week 1' },
  roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'],
  custom: {},
};

export const LtiLaunchContext = z
  .object({
    platform: z.object({ id: z.uuid(), name: z.string(), issuer: z.string() }),
    deployment_id: z.string(),
    context: z.object({ id: z.string(), label: z.string().nullable(), title: z.string().nullable() }).nullable(),
    resource_link: z.object({ id: z.string(), title: z.string().nullable() }),
    roles: z.array(z.string()).openapi({ description: 'The LTI roles of the launch, as sent' }),
    custom: z.record(z.string(), z.string()),
  })
  .openapi('LtiLaunchContext', { example: EXAMPLE_CONTEXT });

export const ExchangeResponse = LoginResponse.extend({ lti: LtiLaunchContext }).openapi('LtiExchangeResponse');

export const ExchangeMfaProblem = MfaRequiredProblem.extend({ lti: LtiLaunchContext }).openapi(
  'LtiMfaRequiredProblem',
  {
    example: { ...MFA_REQUIRED_EXAMPLE, lti: EXAMPLE_CONTEXT },
  },
);
