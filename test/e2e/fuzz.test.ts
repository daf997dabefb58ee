import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract } from '../helpers/contract';
import { type DevServer, startDevServer } from './dev-server';
import { type Account, PASSWORD, promoted, registerVerified, SignInRefused, signIn, withMfa } from './fuzz/accounts';
import { type FakeProviders, REDIRECT_URI, startFakeProviders } from './fuzz/fake-providers';
import { type FuzzContext, type FuzzRequest, generateRequest, type OperationSpec, operationsOf } from './fuzz/generate';
import { Random } from './fuzz/random';

/**
 * Requests generated from the served OpenAPI document, for every operation, against the real dev
 * server on loopback: valid ones (with real accounts, tokens and ids), boundary values, wrong types,
 * missing and extra fields, bodies that are not JSON, wrong content types, bad path and query
 * parameters, bad credentials, methods not served. Every answer must be declared by the document
 * (status, media type, body) and none may be a 5xx.
 *
 * Reproduce a run with FUZZ_SEED=<seed>; FUZZ_REQUESTS and FUZZ_SECONDS bound it (at least 2,000
 * requests must fit in the time budget). The summary goes to test-results/fuzz-summary.txt too.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_201);
const TARGET = Number(process.env.FUZZ_REQUESTS ?? 2400);
const BUDGET_MS = Number(process.env.FUZZ_SECONDS ?? 420) * 1000;
const MINIMUM = 2000;
const INTROSPECTION = { id: 'fuzz-service', secret: 'fuzz-introspection-secret-0123456789' };

let providers: FakeProviders;
let server: DevServer;
let contract: Contract;
let operations: OperationSpec[];

beforeAll(async () => {
  providers = await startFakeProviders();
  server = await startDevServer({
    vars: {
      ...providers.vars,
      INTROSPECTION_CREDENTIALS: `${INTROSPECTION.id}:${INTROSPECTION.secret}`,
      // Per-IP limits would answer most of the run with 429 (declared, but shallow); per-account ones stay.
      RATE_LIMIT_LOGIN_IP: '100000/60',
      RATE_LIMIT_REGISTER_IP: '100000/60',
      RATE_LIMIT_RESET_IP: '100000/60',
      RATE_LIMIT_REFRESH_IP: '100000/60',
      RATE_LIMIT_UNKNOWN_EMAIL_RECORDS_IP: '100000/60',
      // Locks still happen (and are answered 423) but end quickly, so the run's accounts recover.
      LOCKOUT_DURATION: '2',
      // Staff without MFA: the run re-signs its staff member in whenever the fuzz ends its session.
      ADMIN_MFA_REQUIRED_ROLES: '',
      // The refresh cookie too, so that refreshes by cookie (no body) are fuzzed.
      REFRESH_COOKIE: 'true',
      // Hashing at the production cost would spend the time budget on scrypt, not on the API.
      SCRYPT_LOG_N: '10',
      SCRYPT_P: '1',
    },
  });
  const document = await (await fetch(`${server.url}/api/auth/openapi.json`)).json();
  contract = new Contract(document);
  operations = operationsOf(document);
}, 240_000);

afterAll(async () => {
  await server?.stop();
  await providers?.close();
});

/** The run's accounts and everything real it has seen (tokens, ids), handed to the generator. */
class RunState {
  user!: Account;
  staff!: Account;
  mfaUser!: Account;
  victim!: Account;
  readonly dead = new Set<'user' | 'staff'>();
  private readonly pools = new Map<string, string[]>();
  private usernames = 0;

  async setUp() {
    this.staff = await promoted(server, await registerVerified(server, 'staff'));
    this.user = await registerVerified(server, 'user');
    this.mfaUser = await withMfa(server, await registerVerified(server, 'mfa'));
    this.victim = await registerVerified(server, 'victim');
    for (const account of [this.user, this.mfaUser, this.victim]) this.remember('id', account.id);
    this.remember('refresh_token', this.victim.refreshToken);
  }

  remember(pool: string, value: string) {
    const values = this.pools.get(pool) ?? [];
    if (values.includes(value)) return;
    values.push(value);
    if (values.length > 30) values.shift();
    this.pools.set(pool, values);
  }

  /** Tokens, ids and MFA tokens from an answer, for later requests to use. */
  harvest(body: unknown, key = '') {
    if (Array.isArray(body)) for (const item of body) this.harvest(item, key);
    else if (body && typeof body === 'object') {
      for (const [name, value] of Object.entries(body)) this.harvest(value, name);
    } else if (typeof body === 'string') {
      if (key === 'id' && /^[0-9a-f-]{36}$/.test(body) && body !== this.staff.id) this.remember('id', body);
      if (['access_token', 'refresh_token', 'mfa_token'].includes(key)) this.remember(key, body);
    }
  }

  /** Verification and reset tokens from the emails the server printed. */
  harvestEmails() {
    for (const [, token] of server.output().matchAll(/\?token=([A-Za-z0-9_-]{20,})/g)) this.remember('token', token!);
  }

  /** Signs again whoever the fuzz signed out (logout, revocation, a password change...). */
  async revive() {
    for (const role of [...this.dead]) {
      const account = role === 'staff' ? this.staff : this.user;
      try {
        const fresh = await this.signInRetrying(account);
        if (role === 'staff') this.staff = fresh;
        else this.user = fresh;
      } catch (error) {
        // Suspended, or its password changed by a valid change or reset: a new account takes its place.
        if (!(error instanceof SignInRefused)) throw error;
        if (role === 'staff') this.staff = await promoted(server, await registerVerified(server, 'staff'));
        else this.user = await registerVerified(server, 'user');
      }
      this.dead.delete(role);
    }
  }

  private async signInRetrying(account: Account): Promise<Account> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await signIn(server, account);
      } catch (error) {
        // Locked by the fuzz's wrong passwords: the lock lasts LOCKOUT_DURATION.
        if (!(error instanceof SignInRefused) || error.status !== 423 || attempt > 3) throw error;
        await new Promise((resolve) => setTimeout(resolve, 2500));
      }
    }
  }

  context(random: Random): FuzzContext {
    const pool = (name: string) => this.pools.get(name) ?? [];
    const candidates = (field: string): string[] => {
      switch (field) {
        case 'email':
          return [
            this.user.email,
            this.mfaUser.email,
            this.victim.email,
            'user@example.com',
            `fuzz.new.${random.string(8).toLowerCase()}@example.com`,
          ];
        case 'password':
        case 'current_password':
          return [PASSWORD];
        case 'username':
          return [`fz_u${++this.usernames}_${random.string(4)}`];
        case 'mfa_code':
          return [this.mfaUser.totp!.generate(), '12345678'];
        case 'code':
          return [`fuzz-code-${random.string(6)}`, this.mfaUser.totp!.generate()];
        case 'redirect_uri':
          return [REDIRECT_URI];
        case 'token':
          return [...pool('token'), ...pool('access_token'), ...pool('refresh_token')];
        case 'refresh_token':
        case 'mfa_token':
          return pool(field);
        case '__Host-refresh_token':
        case '__Secure-refresh_token':
          return pool('refresh_token');
        case 'Origin':
          // A listed origin (wrangler.toml's CORS_ORIGINS), the API's own, or another.
          return ['http://localhost:3000', server.url, 'https://evil.example'];
        default:
          return [];
      }
    };
    return {
      random,
      hint: (field) => {
        const values = candidates(field);
        return values.length > 0 ? random.pick(values) : undefined;
      },
      bearer: (staff) => (staff ? this.staff : this.user).accessToken,
      basic: () => `Basic ${Buffer.from(`${INTROSPECTION.id}:${INTROSPECTION.secret}`).toString('base64')}`,
      pathId: () => {
        const ids = pool('id');
        return ids.length > 0 ? random.pick(ids) : undefined;
      },
    };
  }
}

interface Finding {
  index: number;
  request: string;
  problem: string;
}

async function send(request: FuzzRequest): Promise<Response> {
  const body = typeof request.body === 'function' ? request.body() : request.body;
  return fetch(`${server.url}${request.path}`, {
    method: request.method,
    headers: request.headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(30_000),
    ...(typeof request.body === 'function' ? { duplex: 'half' } : {}),
  } as RequestInit);
}

describe('fuzzing the API from its OpenAPI document', () => {
  it('answers every generated request as the document declares, never with a 5xx', {
    timeout: BUDGET_MS + 300_000,
  }, async () => {
    const state = new RunState();
    await state.setUp();
    const random = new Random(SEED);
    const started = Date.now();
    const findings: Finding[] = [];
    const statuses = new Map<number, number>();
    const perOperation = new Map<string, number>();
    const statusesPerOperation = new Map<string, Map<number, number>>();
    let sent = 0;
    let cutOff = 0;

    while (sent < TARGET && Date.now() - started < BUDGET_MS) {
      // Round robin, so every operation gets its share whatever the budget allows.
      const operation = operations[sent % operations.length]!;
      await state.revive();
      if (sent % 50 === 0) state.harvestEmails();
      const request = generateRequest(operation, state.context(random));
      const index = sent++;
      perOperation.set(operation.key, (perOperation.get(operation.key) ?? 0) + 1);
      let response: Response;
      try {
        response = await send(request);
      } catch (error) {
        // Node's fetch reports a write error instead of the 413 when the server, having stopped
        // reading at 16 KiB, closes the connection while the rest is still being sent (RFC 9110 §15.5.14).
        const code = (error as { cause?: { code?: string } }).cause?.code ?? '';
        if (request.oversized && ['EPIPE', 'ECONNRESET', 'UND_ERR_SOCKET'].includes(code)) {
          cutOff++;
          continue;
        }
        const cause = (error as Error & { cause?: { message?: string; code?: string } }).cause;
        const why = [(error as Error).message, cause?.code, cause?.message].filter(Boolean).join(': ');
        findings.push({ index, request: request.summary, problem: `no answer: ${why}` });
        continue;
      }
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const answered = statusesPerOperation.get(operation.key) ?? new Map<number, number>();
      answered.set(response.status, (answered.get(response.status) ?? 0) + 1);
      statusesPerOperation.set(operation.key, answered);
      const problems = await contract.violations(
        { method: request.method, url: `${server.url}${request.path}` },
        response,
      );
      if (response.status >= 500) problems.unshift(`answered ${response.status}: ${await response.clone().text()}`);
      for (const problem of problems) findings.push({ index, request: request.summary, problem });
      if (response.status === 401 && request.authenticatedAs) state.dead.add(request.authenticatedAs);
      if ((response.headers.get('Content-Type') ?? '').includes('json')) {
        state.harvest(await response.json().catch(() => null));
      } else await response.body?.cancel();
    }

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const histogram = [...statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`);
    const summary = [
      `fuzz: ${sent} requests in ${seconds} s across ${operations.length} operations (seed ${SEED})`,
      `statuses: ${histogram.join(' ')}`,
      `connections cut while sending a body over 16 KiB: ${cutOff}`,
      `fake OAuth providers answered ${providers.requests()} requests`,
      `findings: ${findings.length}`,
      ...findings.slice(0, 30).map((finding) => `#${finding.index} ${finding.request}\n    ${finding.problem}`),
    ].join('\n');
    console.log(summary);
    const results = path.resolve(import.meta.dirname, '../../test-results');
    mkdirSync(results, { recursive: true });
    // Per operation too, in the file only: how deep the run went (a 200 reached, or only refusals).
    const perOperationLines = [...statusesPerOperation].map(
      ([key, answered]) =>
        `${key}: ${[...answered]
          .sort(([a], [b]) => a - b)
          .map(([status, count]) => `${status}×${count}`)
          .join(' ')}`,
    );
    writeFileSync(
      path.join(results, 'fuzz-summary.txt'),
      `${summary}\n\nper operation:\n${perOperationLines.join('\n')}\n`,
    );

    expect(findings.map((finding) => `#${finding.index} ${finding.request}\n${finding.problem}`)).toEqual([]);
    expect(sent, `only ${sent} requests fit in ${BUDGET_MS / 1000} s`).toBeGreaterThanOrEqual(
      Math.min(MINIMUM, TARGET),
    );
    for (const operation of operations) {
      expect(perOperation.get(operation.key) ?? 0, operation.key).toBeGreaterThanOrEqual(
        Math.floor(sent / operations.length),
      );
    }
    // The sign-in logic was reached through the fake providers, not stopped at validation.
    expect(providers.requests()).toBeGreaterThan(0);
  });
});
