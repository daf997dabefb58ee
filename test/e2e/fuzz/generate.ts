import { type Random, sampleRegex } from './random';

/**
 * Requests generated from the OpenAPI document: for an operation, a valid request (bodies from the
 * schemas and their examples, real values where the run has them), or one broken on purpose —
 * boundary values, wrong types, missing and extra fields, bodies that are not objects or not JSON,
 * wrong content types, bad path and query parameters, bad credentials, methods not served.
 */

type JsonSchema = Record<string, any>;

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: JsonSchema;
}

export interface OperationSpec {
  /** `POST /api/auth/login` */
  key: string;
  method: string;
  template: string;
  security: 'none' | 'bearer' | 'basic';
  parameters: Parameter[];
  body?: { required: boolean; schema: JsonSchema };
}

/** What the run knows that a schema cannot: real credentials, tokens, ids. */
export interface FuzzContext {
  random: Random;
  /** A real value for a field of this name (an email of an account, a refresh token...), if any. */
  hint(field: string): string | undefined;
  /** A live access token; staff operations get a staff member's. */
  bearer(staff: boolean): string;
  /** A valid `Authorization: Basic` value for introspection. */
  basic(): string;
  /** A real id for a path parameter (a session, a user), if any. */
  pathId(): string | undefined;
}

export interface FuzzRequest {
  operation: string;
  kind: Kind;
  method: string;
  /** Path and query. */
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array | (() => ReadableStream<Uint8Array>);
  /** The body is over the 16 KiB limit: the server stops reading it and may close the connection. */
  oversized?: boolean;
  /** The valid credential was sent: a 401 then means the session ended (logout, revocation...). */
  authenticatedAs?: 'user' | 'staff';
  /** What was sent, for the failure report (bodies shortened). */
  summary: string;
}

const KINDS = {
  valid: 30,
  boundary: 14,
  'wrong-type': 9,
  'missing-required': 6,
  'extra-field': 5,
  'body-shape': 8,
  'content-type': 6,
  'path-parameter': 5,
  query: 5,
  credentials: 7,
  method: 2,
  headers: 3,
};
export type Kind = keyof typeof KINDS;

export function operationsOf(document: JsonSchema): OperationSpec[] {
  return Object.entries(document.paths ?? {}).flatMap(([template, item]) =>
    Object.entries(item as Record<string, JsonSchema>).map(([method, operation]) => {
      const schemes = (operation.security ?? []).flatMap((requirement: object) => Object.keys(requirement));
      const content = operation.requestBody?.content?.['application/json'];
      return {
        key: `${method.toUpperCase()} ${template}`,
        method: method.toUpperCase(),
        template,
        security: schemes.includes('bearerAuth') ? 'bearer' : schemes.includes('serviceBasic') ? 'basic' : 'none',
        parameters: (operation.parameters ?? []).map((parameter: Parameter) => ({
          ...parameter,
          schema: resolve(parameter.schema ?? {}, document),
        })),
        body: content
          ? { required: Boolean(operation.requestBody.required), schema: resolve(content.schema ?? {}, document) }
          : undefined,
      } satisfies OperationSpec;
    }),
  );
}

/** The schema with references followed and `allOf` parts merged into one object schema. */
export function resolve(schema: JsonSchema, document: JsonSchema, depth = 0): JsonSchema {
  if (depth > 20 || typeof schema !== 'object' || schema === null) return schema;
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce((node: any, part: string) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], document);
    return resolve({ ...target, ...schema, $ref: undefined }, document, depth + 1);
  }
  if (Array.isArray(schema.allOf)) {
    const parts = schema.allOf.map((part: JsonSchema) => resolve(part, document, depth + 1));
    const { allOf: _merged, ...rest } = schema;
    return {
      ...rest,
      type: 'object',
      properties: Object.assign({}, ...parts.map((part: JsonSchema) => part.properties ?? {}), rest.properties),
      required: parts.flatMap((part: JsonSchema) => part.required ?? []).concat(rest.required ?? []),
      additionalProperties: false,
    };
  }
  const out: JsonSchema = { ...schema };
  if (out.properties) {
    out.properties = Object.fromEntries(
      Object.entries(out.properties).map(([name, part]) => [name, resolve(part as JsonSchema, document, depth + 1)]),
    );
  }
  if (out.items) out.items = resolve(out.items, document, depth + 1);
  for (const key of ['anyOf', 'oneOf']) {
    if (Array.isArray(out[key])) out[key] = out[key].map((part: JsonSchema) => resolve(part, document, depth + 1));
  }
  return out;
}

function typeOf(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((type: string) => type !== 'null');
  if (schema.type) return schema.type;
  if (schema.properties) return 'object';
  if (schema.enum) return typeof schema.enum[0];
  return undefined;
}

/** A value the schema accepts (as far as a sampler can tell), preferring real values and examples. */
export function validValue(schema: JsonSchema, context: FuzzContext, field = '', depth = 0): unknown {
  const { random } = context;
  const hinted = field ? context.hint(field) : undefined;
  if (hinted !== undefined && random.chance(0.7)) return hinted;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return random.pick(schema.enum);
  if (schema.example !== undefined && random.chance(0.5)) return schema.example;
  const choices = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(choices)) return validValue(random.pick(choices), context, field, depth + 1);
  if (Array.isArray(schema.type) && schema.type.includes('null') && random.chance(0.1)) return null;
  switch (typeOf(schema)) {
    case 'string':
      return validString(schema, random);
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 0);
      const max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : min + 100);
      return random.int(Math.ceil(min), Math.floor(max));
    }
    case 'boolean':
      return random.chance(0.5);
    case 'array': {
      const count = random.int(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, (schema.minItems ?? 0) + 3));
      return Array.from({ length: count }, () => validValue(schema.items ?? {}, context, field, depth + 1));
    }
    case 'object':
      return depth > 6 ? {} : validObject(schema, context, depth);
    default:
      return random.string(8);
  }
}

function validString(schema: JsonSchema, random: Random): string {
  if (schema.format === 'email') return `fuzz.${random.string(8).toLowerCase()}@example.com`;
  if (schema.format === 'uuid') return random.uuid();
  if (schema.format === 'date-time')
    return new Date(Date.UTC(2026, random.int(0, 11), random.int(1, 28))).toISOString();
  if (schema.format === 'uri' || schema.format === 'url') return `https://app.example.com/${random.string(6)}`;
  if (schema.pattern) {
    const sampled = sampleRegex(schema.pattern, random);
    if (sampled !== undefined) return sampled;
    if (typeof schema.example === 'string') return schema.example;
  }
  const min = schema.minLength ?? 1;
  const max = Math.max(min, Math.min(schema.maxLength ?? 24, min + 24));
  return random.string(random.int(min, max));
}

function validObject(schema: JsonSchema, context: FuzzContext, depth: number): Record<string, unknown> {
  const required = new Set<string>(schema.required ?? []);
  const out: Record<string, unknown> = {};
  for (const [name, part] of Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>)) {
    if (required.has(name) || context.random.chance(0.5)) out[name] = validValue(part, context, name, depth + 1);
  }
  // A confirmation repeats what it confirms (`password_confirm`, `new_password_confirm`).
  for (const name of Object.keys(out)) {
    const confirmed = name.replace(/_confirm$/, '');
    if (confirmed !== name && typeof out[confirmed] === 'string' && context.random.chance(0.9))
      out[name] = out[confirmed];
  }
  return out;
}

const UNICODE = [
  'é',
  'e\u0301',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '😀👩‍👩‍👧',
  'ｆｕｌｌｗｉｄｔｈ＠ｅｘａｍｐｌｅ．ｃｏｍ',
  '\u202egnp.exe',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\ufeff',
  'İstanbul',
  'ß',
  '\u200b',
  '漢字かな',
  'مرحبا',
];
const HOSTILE = [
  '',
  ' ',
  '   padded   ',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '%00',
  '$' + '{jndi:ldap://x}',
  'null',
  'undefined',
  '__proto__',
  'a@b',
  '@example.com',
  'user@',
  'user@@example.com',
  'USER@EXAMPLE.COM',
  '12345678',
  '1234-5678',
  '000000',
  'Bearer x',
];
const NUMBERS = [0, -1, 1, 1.5, -0.5, 2 ** 31, 2 ** 53 + 1, -(2 ** 53), 1e308, -1e308, 1e-308, 100000];

function boundaryValues(schema: JsonSchema): unknown[] {
  const type = typeOf(schema);
  if (type === 'string') {
    const lengths = [schema.minLength, schema.maxLength].filter((n): n is number => typeof n === 'number');
    const sized = lengths.flatMap((n) => [n - 1, n, n + 1]).filter((n) => n >= 0 && n <= 20_000);
    return [...sized.map((n) => 'a'.repeat(n)), 'x'.repeat(15_000), ...UNICODE, ...HOSTILE, null];
  }
  if (type === 'integer' || type === 'number') {
    const limits = [schema.minimum, schema.maximum].filter((n): n is number => typeof n === 'number');
    return [...limits.flatMap((n) => [n - 1, n, n + 1]), ...NUMBERS, null];
  }
  if (type === 'array') return [[], Array.from({ length: 1000 }, () => 'a'), [null], null];
  if (type === 'boolean') return [null, 0, 1, 'true'];
  return [null, {}, []];
}

function wrongTypeValues(schema: JsonSchema): unknown[] {
  const all = [null, true, false, 0, -1, 3.14, 'text', '', [], ['a'], {}, { nested: { deeper: [1] } }];
  const type = typeOf(schema);
  return all.filter((value) => {
    if (type === 'string') return typeof value !== 'string';
    if (type === 'integer' || type === 'number') return typeof value !== 'number';
    if (type === 'boolean') return typeof value !== 'boolean';
    if (type === 'array') return !Array.isArray(value);
    if (type === 'object') return typeof value !== 'object' || Array.isArray(value) || value === null;
    return true;
  });
}

const EXTRA_FIELDS: [string, unknown][] = [
  ['role', 'SUPER_ADMIN'],
  ['is_admin', true],
  ['user_id', '00000000-0000-4000-8000-000000000000'],
  ['extra', 'x'],
  ['__proto__', { polluted: true }],
  ['constructor', { prototype: { polluted: true } }],
  ['', ''],
  ['email ', 'user@example.com'],
];

const encoder = new TextEncoder();

/** Whole bodies that are not the object the schema wants, or not JSON at all. */
function hostileBodies(
  random: Random,
): { label: string; body: string | Uint8Array | (() => ReadableStream<Uint8Array>) }[] {
  const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
  return [
    { label: 'null', body: 'null' },
    { label: 'array', body: '[]' },
    { label: 'array of objects', body: '[{"email":"user@example.com"}]' },
    { label: 'string', body: '"text"' },
    { label: 'number', body: '42' },
    { label: 'true', body: 'true' },
    { label: 'truncated', body: '{"email": "user@' },
    { label: 'single quotes', body: "{'email': 'x'}" },
    { label: 'trailing comma', body: '{"a": 1,}' },
    { label: 'duplicate keys', body: '{"email":"a@example.com","email":"b@example.com"}' },
    { label: 'deep nesting', body: deep },
    { label: 'deep objects', body: `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}` },
    { label: 'BOM', body: '\ufeff{}' },
    { label: 'whitespace', body: ' \n\t ' },
    { label: 'NUL bytes', body: encoder.encode('{"a":"\u0000"}\u0000') },
    { label: 'invalid UTF-8', body: new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) },
    { label: 'over 16 KiB', body: JSON.stringify({ padding: 'a'.repeat(17_000) }) },
    { label: 'exactly 16 KiB', body: JSON.stringify({ p: 'a'.repeat(16 * 1024 - 8) }) },
    {
      label: 'streamed over 16 KiB (no length)',
      body: () =>
        new ReadableStream({
          start(controller) {
            for (let i = 0; i < 5; i++) controller.enqueue(encoder.encode(`"${'a'.repeat(5000)}"`));
            controller.close();
          },
        }),
    },
    { label: 'random bytes', body: Uint8Array.from({ length: 64 }, () => random.int(0, 255)) },
  ];
}

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----x',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/merge-patch+json',
  'application/problem+json',
  'application/jsonx',
  'application/json, text/plain',
  'json',
  '',
  `application/json; ${'p=1; '.repeat(200)}`,
];

const BAD_PATH_IDS = [
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF',
  '6f1c1f8e-6d5a-4a8e-9d3e-2f3c4b5a6d7e-extra',
  '6f1c1f8e6d5a4a8e9d3e2f3c4b5a6d7e',
  '%20',
  '..',
  '%2e%2e',
  '%2F',
  '%FF',
  '%C3%A9',
  '%00',
  'a'.repeat(3000),
  '1',
  '-1',
  'null',
  "'%20OR%201=1",
];

const BAD_QUERY_VALUES = [
  '',
  '0',
  '-1',
  '1e3',
  '101',
  '366',
  '99999999999999999999',
  'abc',
  '%FF',
  '%00',
  'a'.repeat(3000),
  'true',
  'maybe',
  'null',
];

function credentialsFor(random: Random, context: FuzzContext, staff: boolean): Record<string, string> {
  const live = context.bearer(staff);
  const [header, payload, signature] = live.split('.');
  const none = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${payload}.`;
  const variants: (Record<string, string> | (() => Record<string, string>))[] = [
    {},
    { Authorization: '' },
    { Authorization: 'Bearer' },
    { Authorization: 'Bearer ' },
    { Authorization: 'Bearer x.y.z' },
    { Authorization: `bearer ${live}` },
    { Authorization: `Bearer  ${live}` },
    { Authorization: `Bearer ${live} extra` },
    { Authorization: live },
    { Authorization: `Bearer ${header}.${payload}.${signature?.slice(0, -2)}AA` },
    { Authorization: `Bearer ${none}` },
    { Authorization: `Basic ${Buffer.from('user:password').toString('base64')}` },
    { Authorization: `Bearer ${'a'.repeat(8000)}` },
    () => ({ Authorization: `Bearer ${context.hint('refresh_token') ?? 'no-refresh-token'}` }),
    () => ({ Authorization: context.basic() }),
  ];
  const chosen = random.pick(variants);
  return typeof chosen === 'function' ? chosen() : chosen;
}

function basicVariants(random: Random, context: FuzzContext): Record<string, string> {
  const valid = context.basic();
  const [id] = Buffer.from(valid.slice(6), 'base64').toString().split(':');
  return random.pick<Record<string, string>>([
    {},
    { Authorization: 'Basic' },
    { Authorization: 'Basic !!!not-base64!!!' },
    { Authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` },
    { Authorization: `Basic ${Buffer.from(`${id}:wrong-secret`).toString('base64')}` },
    { Authorization: `Basic ${Buffer.from(':').toString('base64')}` },
    { Authorization: `Basic ${Buffer.from(`${'a'.repeat(3000)}:b`).toString('base64')}` },
    { Authorization: `basic ${valid.slice(6)}` },
    { Authorization: `Bearer ${context.bearer(false)}` },
  ]);
}

function describeBody(body: FuzzRequest['body']): string {
  if (body === undefined) return '';
  if (typeof body === 'function') return ' <stream>';
  const text = typeof body === 'string' ? body : `bytes:${Buffer.from(body).toString('hex').slice(0, 80)}`;
  return ` ${text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text}`;
}

/** One request for `operation`, of a kind drawn at random (falling back to valid where a kind does not apply). */
export function generateRequest(operation: OperationSpec, context: FuzzContext): FuzzRequest {
  const { random } = context;
  const hasBody = operation.method !== 'GET' && operation.method !== 'HEAD';
  const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path');
  const queryParameters = operation.parameters.filter((parameter) => parameter.in === 'query');
  let kind = random.weighted(KINDS);
  const bodyKinds: Kind[] = ['boundary', 'wrong-type', 'missing-required', 'extra-field', 'body-shape', 'content-type'];
  if (bodyKinds.includes(kind) && !hasBody) kind = queryParameters.length > 0 ? 'query' : 'valid';
  if (
    ['boundary', 'wrong-type', 'missing-required', 'extra-field'].includes(kind) &&
    !operation.body?.schema.properties
  ) {
    kind = 'body-shape';
  }
  if (kind === 'path-parameter' && pathParameters.length === 0) kind = 'valid';
  if (kind === 'query' && queryParameters.length === 0) kind = hasBody ? 'extra-field' : 'valid';
  if (kind === 'extra-field' && !operation.body?.schema.properties) kind = 'body-shape';

  let method = operation.method;
  let path = operation.template.replace(/\{(\w+)\}/g, () => {
    if (kind === 'path-parameter') return random.pick(BAD_PATH_IDS);
    return (random.chance(0.7) ? context.pathId() : undefined) ?? random.uuid();
  });
  if (random.chance(0.3)) path += '/';

  const query: string[] = [];
  for (const parameter of queryParameters) {
    if (kind === 'query' && random.chance(0.6)) {
      query.push(`${parameter.name}=${random.pick(BAD_QUERY_VALUES)}`);
    } else if (parameter.required || random.chance(0.4)) {
      query.push(
        `${parameter.name}=${encodeURIComponent(String(validValue(parameter.schema, context, parameter.name)))}`,
      );
    }
  }
  if (kind === 'query' && random.chance(0.3))
    query.push(random.pick(['unknown=1', 'limit=1&limit=2', '=', '&&', 'a[b]=c']));
  if (query.length > 0) path += `?${query.join('&')}`;

  const headers: Record<string, string> = {};
  let authenticatedAs: FuzzRequest['authenticatedAs'];
  const staff = operation.template.startsWith('/api/auth/admin/');
  if (kind === 'credentials' && operation.security === 'basic') Object.assign(headers, basicVariants(random, context));
  else if (kind === 'credentials') Object.assign(headers, credentialsFor(random, context, staff));
  else if (operation.security === 'bearer') {
    // Now and then a staff operation by a plain user, to reach the 403 answers.
    const asStaff = staff && random.chance(0.85);
    headers.Authorization = `Bearer ${context.bearer(asStaff)}`;
    authenticatedAs = asStaff ? 'staff' : 'user';
  } else if (operation.security === 'basic') headers.Authorization = context.basic();

  let body: FuzzRequest['body'];
  let label = '';
  let oversized = false;
  if (hasBody) {
    const schema = operation.body?.schema ?? { type: 'object', properties: {} };
    const value = validValue(schema, context) as Record<string, unknown>;
    const fields = Object.keys(schema.properties ?? {});
    const field = fields.length > 0 ? random.pick(fields) : undefined;
    const fieldSchema = field ? (schema.properties[field] as JsonSchema) : {};
    if (kind === 'boundary' && field) {
      value[field] = random.pick(boundaryValues(fieldSchema));
      label = `${field} boundary`;
    } else if (kind === 'wrong-type' && field) {
      value[field] = random.pick(wrongTypeValues(fieldSchema));
      label = `${field} wrong type`;
    } else if (kind === 'missing-required') {
      const required: string[] = schema.required ?? [];
      if (required.length > 0 && random.chance(0.7)) delete value[random.pick(required)];
      else for (const name of required) delete value[name];
      label = 'required field removed';
    } else if (kind === 'extra-field') {
      const [name, extra] = random.pick(EXTRA_FIELDS);
      // JSON.stringify drops an own `__proto__` set by assignment; define it as data.
      Object.defineProperty(value, name, { value: extra, enumerable: true, configurable: true, writable: true });
      label = `extra field ${name}`;
    }
    const optionalBody = operation.body && !operation.body.required;
    if (kind === 'body-shape') {
      const hostile = random.pick(hostileBodies(random));
      body = hostile.body;
      label = hostile.label;
      oversized = hostile.label.includes('over 16 KiB');
      if (random.chance(0.9)) headers['Content-Type'] = 'application/json';
    } else if (kind === 'valid' && (optionalBody || !operation.body) && random.chance(0.3)) {
      // The seed's SPA posts some endpoints with no body at all.
      body = undefined;
    } else {
      body = JSON.stringify(value);
      headers['Content-Type'] = 'application/json';
    }
    if (kind === 'content-type') {
      const type = random.pick(CONTENT_TYPES);
      if (type === '' || random.chance(0.2)) {
        delete headers['Content-Type'];
        body = encoder.encode(typeof body === 'string' ? body : '{}');
        label = 'no content type';
      } else {
        headers['Content-Type'] = type;
        if (type.includes('form-urlencoded')) body = 'email=user%40example.com&password=x';
        label = `content type ${type}`;
      }
    }
  }

  if (kind === 'method') {
    method = random.pick(['PUT', 'PATCH', 'DELETE', 'POST', 'GET', 'HEAD', 'OPTIONS'].filter((m) => m !== method));
    if (method === 'GET' || method === 'HEAD') body = undefined;
    label = `method ${method}`;
  }
  if (kind === 'headers') {
    const extra = random.pick<Record<string, string>>([
      { 'X-Request-Id': 'a'.repeat(5000) },
      { 'X-Request-Id': '../../\t<x>' },
      { 'CF-Connecting-IP': 'not-an-ip' },
      { 'CF-Connecting-IP': '::ffff:999.1.1.1' },
      { 'CF-Connecting-IP': '203.0.113.7, 10.0.0.1' },
      { Origin: 'https://evil.example' },
      { Origin: 'null' },
      { Accept: 'text/html' },
      { 'Accept-Language': 'fr-FR,fr;q=0.9' },
      { 'Accept-Language': `${'x'.repeat(500)};q=abc` },
      { 'User-Agent': 'x'.repeat(6000) },
    ]);
    Object.assign(headers, extra);
    label = `header ${Object.keys(extra)[0]}`;
  }
  // Cookie parameters (the refresh cookie, REFRESH_COOKIE=true): a real token or a broken one, from
  // an allowed Origin or another; the body then often lacks the token, as a browser's refresh does.
  const cookies = operation.parameters.filter((parameter) => parameter.in === 'cookie');
  if (cookies.length > 0 && random.chance(0.5)) {
    const cookie = random.pick(cookies);
    const real = kind === 'credentials' ? undefined : context.hint(cookie.name);
    const value = real ?? random.pick(['', 'not-a-token', 'a'.repeat(5000), random.string(43), '%FF;x=y']);
    headers.Cookie = `${cookie.name}=${value}`;
    if (random.chance(0.8)) headers.Origin = context.hint('Origin') ?? 'null';
    label = label || `cookie ${cookie.name}`;
  }
  if (kind !== 'valid' && !label) label = kind;
  return {
    operation: operation.key,
    kind,
    method,
    path,
    headers,
    body,
    oversized: oversized && body !== undefined,
    authenticatedAs: kind === 'credentials' ? undefined : authenticatedAs,
    summary: `${method} ${path.length > 200 ? `${path.slice(0, 200)}…` : path} [${kind}${label ? `: ${label}` : ''}] ${JSON.stringify(
      Object.fromEntries(
        Object.entries(headers).map(([name, value]) => [name, value.length > 60 ? `${value.slice(0, 60)}…` : value]),
      ),
    )}${describeBody(body)}`,
  };
}
