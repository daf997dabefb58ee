import { type Schema, Validator } from '@cfworker/json-schema';

/**
 * The OpenAPI document as a contract every answer of the suite is held to: `call()` (api.ts) hands
 * each response here, and a status the operation does not declare, a media type it does not
 * declare, or a body its schema refuses fails the test that received it.
 *
 * Object schemas are read as closed: a member the document does not list is a violation, so an
 * answer cannot grow an undocumented (or leaked) field unnoticed.
 *
 * Answers outside the document's operations (unknown path, method not served) must be the app's
 * global not-found, or a problem the middleware in front of every route gives (bad JSON, body too
 * large or not JSON, configuration broken): a `Problem` with one of UNROUTED_STATUSES. An OPTIONS
 * request under /api is a CORS preflight, answered by the CORS middleware with 204 and no body.
 */
export const UNROUTED_STATUSES = [400, 404, 413, 415, 503];

/**
 * The scope of the document is the JSON API: the browser routes are left out of it, by name. Each
 * entry is a route exactly as the app registers it (`test/openapi/document.test.ts` checks that
 * every route the app serves is either an operation of the document or one of these, and that each
 * of these is served); `/account/*` is the console's one catch-all route and cannot reach `/api`.
 * Their answers are pages, redirects and page files, checked by their own tests; the contract only
 * holds them to "never a 5xx but a 503 page".
 */
export const BROWSER_ROUTES = [
  'GET /account/*', // the account console's pages (src/console)
  'POST /account/*', // a form posted without script: 303 back to the page
  'GET /lti/register', // LTI Dynamic Registration page
  'GET /lti/login', // LTI login initiation (redirect to the platform)
  'POST /lti/login',
  'POST /lti/launch', // LTI launch (redirect to the SPA)
  'GET /lti/assets/close.js', // files of the /lti/ pages
  'GET /lti/assets/lti.css',
] as const;

/** Whether a request reaches one of the BROWSER_ROUTES (trailing slash ignored, HEAD as GET). */
export function isBrowserRoute(method: string, pathname: string): boolean {
  const wanted = method === 'HEAD' ? 'GET' : method;
  const path = pathname.length > 1 ? pathname.replace(/\/$/, '') : pathname;
  return BROWSER_ROUTES.some((route) => {
    const [routeMethod, routePath] = route.split(' ') as [string, string];
    if (routeMethod !== wanted) return false;
    if (!routePath.endsWith('/*')) return routePath === path;
    const base = routePath.slice(0, -2);
    return path === base || path.startsWith(`${base}/`);
  });
}

type JsonSchema = Record<string, any>;
interface ResponseObject {
  content?: Record<string, { schema?: JsonSchema }>;
}
interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  literalSegments: number;
  responses: Record<string, ResponseObject>;
}
export interface Exchange {
  method: string;
  url: string;
}

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/;

export class Contract {
  readonly operations: Operation[];
  private readonly schemas: Record<string, JsonSchema>;
  private readonly components: JsonSchema;
  private readonly validators = new Map<string, Validator>();

  constructor(document: { paths?: Record<string, any>; components?: JsonSchema }) {
    const schemas: Record<string, JsonSchema> = document.components?.schemas ?? {};
    this.schemas = schemas;
    this.components = {
      schemas: Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, closed(schema, schemas)])),
    };
    this.operations = Object.entries(document.paths ?? {}).flatMap(([template, item]) =>
      Object.entries(item as Record<string, any>)
        .filter(([, operation]) => typeof operation === 'object' && operation && 'responses' in operation)
        .map(([method, operation]) => ({
          method: method.toUpperCase(),
          template,
          pattern: templatePattern(template),
          literalSegments: template.split('/').filter((segment) => segment && !segment.startsWith('{')).length,
          responses: operation.responses,
        })),
    );
  }

  /** The operation a request reaches: trailing slash ignored (the app is not strict), literal paths first. */
  operationFor(method: string, pathname: string): Operation | undefined {
    const wanted = method === 'HEAD' ? 'GET' : method;
    const path = pathname.length > 1 ? pathname.replace(/\/$/, '') : pathname;
    return this.operations
      .filter((operation) => operation.method === wanted && operation.pattern.test(path))
      .sort((a, b) => b.literalSegments - a.literalSegments)[0];
  }

  /** Every way the answer breaks the contract (empty when it keeps it). */
  async violations(exchange: Exchange, response: Response): Promise<string[]> {
    const { pathname } = new URL(exchange.url);
    const operation = this.operationFor(exchange.method, pathname);
    if (!operation && isBrowserRoute(exchange.method, pathname)) {
      const broken = response.status >= 500 && response.status !== 503;
      return broken ? [`${exchange.method} ${pathname} (a browser route) answered ${response.status}`] : [];
    }
    if (!operation) return this.unroutedViolations(exchange, response);
    const declared = operation.responses[String(response.status)];
    const where = `${operation.method} ${operation.template}`;
    if (!declared) {
      const statuses = Object.keys(operation.responses).join(', ');
      return [`${where} answered ${response.status}, which it does not declare (declared: ${statuses})`];
    }
    if (exchange.method === 'HEAD') return [];
    return this.bodyViolations(`${where} ${response.status}`, declared, response, String(response.status));
  }

  private async unroutedViolations(exchange: Exchange, response: Response): Promise<string[]> {
    const { pathname } = new URL(exchange.url);
    const where = `${exchange.method} ${pathname} (no such operation)`;
    if (exchange.method === 'OPTIONS' && pathname.startsWith('/api/') && response.status === 204) {
      const text = await response.clone().text();
      return text === '' ? [] : [`${where}: a CORS preflight answered with a body`];
    }
    if (!UNROUTED_STATUSES.includes(response.status)) {
      return [`${where} answered ${response.status}; only ${UNROUTED_STATUSES.join(', ')} problems are allowed`];
    }
    // A HEAD answer has the headers of the GET answer and no body.
    if (exchange.method === 'HEAD') return [];
    const problem = { content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
    return this.bodyViolations(where, problem, response, 'unrouted');
  }

  private async bodyViolations(where: string, declared: ResponseObject, response: Response, key: string) {
    const text = await response.clone().text();
    const content = declared.content;
    if (!content || Object.keys(content).length === 0) {
      return text === '' ? [] : [`${where}: declares no body, got ${excerpt(text)}`];
    }
    const mediaType = (response.headers.get('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase();
    const media = content[mediaType];
    if (!media) {
      return [`${where}: media type "${mediaType}" not declared (declared: ${Object.keys(content).join(', ')})`];
    }
    if (!JSON_MEDIA_TYPE.test(mediaType) || !media.schema) return [];
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return [`${where}: ${mediaType} body is not JSON: ${excerpt(text)}`];
    }
    const result = this.validator(`${where} ${key} ${mediaType}`, media.schema).validate(body);
    if (result.valid) return [];
    // The deepest errors say what is wrong; the others only repeat that a parent failed.
    const details = result.errors
      .filter((error) => !['properties', 'allOf', '$ref', 'items'].includes(error.keyword))
      .slice(0, 8)
      .map((error) => `  ${error.instanceLocation}: ${error.error}`);
    return [`${where}: body does not match its schema\n${details.join('\n')}\n  body: ${excerpt(text)}`];
  }

  private validator(key: string, schema: JsonSchema): Validator {
    let validator = this.validators.get(key);
    if (!validator) {
      // References point into the document's components, carried along under the same pointer.
      validator = new Validator(
        { ...closed(schema, this.schemas), components: structuredClone(this.components) } as Schema,
        '2020-12',
        false,
      );
      this.validators.set(key, validator);
    }
    return validator;
  }
}

function templatePattern(template: string): RegExp {
  const escaped = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${escaped}$`);
}

/**
 * The schema with every object that lists its members closed to others. `allOf` of objects (zod's
 * `.extend()` of a named schema) is merged first, since a closed part would refuse its siblings' members.
 */
function closed(schema: JsonSchema, schemas: Record<string, JsonSchema>): JsonSchema {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return schema;
  // Examples are annotations, not constraints; and the validator would read an example's `id`
  // member as a draft-04 schema id (two examples of one user = a duplicate schema URI).
  const { example: _example, examples: _examples, ...annotated } = schema;
  let copy: JsonSchema = annotated;
  if (Array.isArray(copy.allOf)) {
    const parts = copy.allOf.map((part: JsonSchema) => closed(referenced(part, schemas), schemas));
    if (parts.every((part: JsonSchema) => part.properties && !part.allOf && !part.anyOf && !part.oneOf)) {
      const { allOf: _merged, ...rest } = copy;
      copy = {
        ...rest,
        type: 'object',
        properties: Object.assign({}, ...parts.map((part: JsonSchema) => part.properties), rest.properties),
        required: [...new Set([...parts.flatMap((part: JsonSchema) => part.required ?? []), ...(rest.required ?? [])])],
      };
    }
  }
  for (const key of ['items', 'not', 'additionalProperties', 'unevaluatedProperties']) {
    if (typeof copy[key] === 'object') copy[key] = closed(copy[key], schemas);
  }
  for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems']) {
    if (Array.isArray(copy[key])) copy[key] = copy[key].map((part: JsonSchema) => closed(part, schemas));
  }
  if (copy.properties) {
    copy.properties = Object.fromEntries(
      Object.entries(copy.properties).map(([name, part]) => [name, closed(part as JsonSchema, schemas)]),
    );
    copy.additionalProperties ??= false;
  }
  return copy;
}

const COMPONENT_SCHEMA = '#/components/schemas/';

function referenced(schema: JsonSchema, schemas: Record<string, JsonSchema>): JsonSchema {
  const ref: unknown = schema?.$ref;
  if (typeof ref !== 'string' || !ref.startsWith(COMPONENT_SCHEMA)) return schema;
  const target = schemas[ref.slice(COMPONENT_SCHEMA.length)];
  if (!target) throw new Error(`the document refers to ${ref}, which it does not define`);
  return referenced(target, schemas);
}

function excerpt(text: string): string {
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}
