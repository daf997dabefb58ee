/**
 * What the tool knows about one registered platform (one `client_id` at one issuer): the shape the
 * login initiation and the launch check work on, whatever table it is read from.
 */
export interface LtiPlatform {
  id: string;
  name: string;
  /** Compared byte for byte with the `iss` of every message. */
  issuer: string;
  clientId: string;
  /** The deployments of this tool the platform may launch; a launch from any other is refused. */
  deploymentIds: readonly string[];
  /** The platform's OIDC authorization endpoint, where login initiation sends the browser. */
  authorizationEndpoint: string;
  jwksUrl: string;
  /** Only needed by LTI Advantage services (not used by launches). */
  tokenEndpoint: string | null;
  /** Whether an existing verified account may be linked by the email this platform sends. */
  trustsEmails: boolean;
  /** The platform's own role mapping (see roles.ts), or null for the defaults. */
  roleMapping: Readonly<Record<string, string>> | null;
}

/** The LTI 1.3 claim names used by the tool (LTI Core 1.3 §5). */
export const CLAIM = {
  messageType: 'https://purl.imsglobal.org/spec/lti/claim/message_type',
  version: 'https://purl.imsglobal.org/spec/lti/claim/version',
  deploymentId: 'https://purl.imsglobal.org/spec/lti/claim/deployment_id',
  targetLinkUri: 'https://purl.imsglobal.org/spec/lti/claim/target_link_uri',
  resourceLink: 'https://purl.imsglobal.org/spec/lti/claim/resource_link',
  roles: 'https://purl.imsglobal.org/spec/lti/claim/roles',
  context: 'https://purl.imsglobal.org/spec/lti/claim/context',
  custom: 'https://purl.imsglobal.org/spec/lti/claim/custom',
  toolPlatform: 'https://purl.imsglobal.org/spec/lti/claim/tool_platform',
} as const;

export const RESOURCE_LINK_REQUEST = 'LtiResourceLinkRequest';
export const LTI_VERSION = '1.3.0';
