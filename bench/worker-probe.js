// Counting wrappers around a worker's D1 and Durable Object bindings, shared by our bench worker
// (bench/worker-service.js) and the peer's bench entry (bench/peer-worker.js, copied next to it).
//
// Both services always run behind these wrappers, so that both pay the same (microseconds of)
// overhead; they record nothing unless a probe is active. A probe covers one request at a time
// (the bench sends probes one by one, and waits for the request's deferred work to finish before
// the next): it lists every D1 execution (a statement run on its own, or a batch) and every Durable
// Object call with the time it was issued, and may delay each of them by a fixed number of
// milliseconds. The delay stands for the distance to the D1 primary (or to the Durable Object): the
// answer comes that many milliseconds later for each round trip the client really waits for, so
// (answer time with delay − answer time without) ÷ delay counts the sequential round trips on the
// request's critical path, however the code overlaps or defers them.

/** The probe of the request being measured, or null (then the wrappers only forward). */
let active = null;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Called only while a probe is active (callers check `active` first: no extra await otherwise).
 * Returns the recorded call, for the caller to add what D1 reports once it has answered.
 */
async function record(kind, detail, delayMs) {
  const probe = active;
  const call = { kind, ...detail, at: Date.now() - probe.started, beforeAnswer: !probe.answered };
  probe.calls.push(call);
  if (delayMs(probe) > 0) await sleep(delayMs(probe));
  return call;
}

/**
 * Rows D1 says an execution read and wrote (its `meta`; `first()` and `raw()` return rows without
 * it, which only the service's reads use).
 */
function addMeta(call, results) {
  if (!call) return;
  for (const result of Array.isArray(results) ? results : [results]) {
    const meta = result?.meta;
    if (!meta) continue;
    call.rowsRead = (call.rowsRead ?? 0) + (meta.rows_read ?? 0);
    call.rowsWritten = (call.rowsWritten ?? 0) + (meta.rows_written ?? 0);
  }
}

const d1Delay = (probe) => probe.d1DelayMs;
const doDelay = (probe) => probe.doDelayMs;
const shortSql = (sql) => sql.replace(/\s+/g, ' ').slice(0, 160);

class CountedStatement {
  constructor(inner, sql, params = []) {
    this.inner = inner;
    this.sql = sql;
    this.params = params;
  }

  bind(...params) {
    return new CountedStatement(this.inner.bind(...params), this.sql, params);
  }

  async #run(method, args) {
    const call = active
      ? await record('statement', { method, sql: shortSql(this.sql), params: this.params.length }, d1Delay)
      : null;
    const result = await this.inner[method](...args);
    if (method === 'run' || method === 'all') addMeta(call, result);
    return result;
  }

  first(...args) {
    return this.#run('first', args);
  }
  all(...args) {
    return this.#run('all', args);
  }
  run(...args) {
    return this.#run('run', args);
  }
  raw(...args) {
    return this.#run('raw', args);
  }
}

/** A D1 binding (or a D1 session from `withSession`) whose executions are recorded. */
function countedD1(db) {
  return new Proxy(db, {
    get(target, property) {
      if (property === 'prepare') return (sql) => new CountedStatement(target.prepare(sql), sql);
      if (property === 'batch') {
        return async (statements) => {
          const call = active
            ? await record('batch', { sql: statements.map((s) => shortSql(s.sql ?? '?')) }, d1Delay)
            : null;
          const results = await target.batch(statements.map((s) => (s instanceof CountedStatement ? s.inner : s)));
          addMeta(call, results);
          return results;
        };
      }
      if (property === 'exec') {
        return async (sql) => {
          if (active) await record('exec', { sql: shortSql(sql) }, d1Delay);
          return target.exec(sql);
        };
      }
      if (property === 'withSession') return (...args) => countedD1(target.withSession(...args));
      const value = target[property];
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A Durable Object namespace whose stubs' RPC calls are recorded. */
function countedNamespace(namespace) {
  const countedStub = (stub) =>
    new Proxy(stub, {
      get(target, property) {
        const value = target[property];
        if (typeof property !== 'string' || property === 'then' || typeof value !== 'function') return value;
        return async (...args) => {
          if (active) await record('durable-object', { method: property }, doDelay);
          // Called through the stub again: an RPC method stub has no Function.prototype members.
          return target[property](...args);
        };
      },
    });
  return new Proxy(namespace, {
    get(target, property) {
      if (property === 'get' || property === 'getByName') return (...args) => countedStub(target[property](...args));
      const value = target[property];
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const wrapped = new WeakMap();

/**
 * The environment the service sees: the same bindings and variables, with D1 and Durable Object
 * bindings counted. One object per original env (workerd passes the same env to every request of
 * an isolate), so the service's own per-env caches (parsed configuration, keys) keep working.
 */
export function probedEnv(env, { d1 = ['DB'], durableObjects = [] } = {}) {
  let result = wrapped.get(env);
  if (!result) {
    result = { ...env };
    for (const name of d1) if (env[name]) result[name] = countedD1(env[name]);
    for (const name of durableObjects) if (env[name]) result[name] = countedNamespace(env[name]);
    wrapped.set(env, result);
  }
  return result;
}

/**
 * Serves one probed request: `settings` = { d1DelayMs, doDelayMs }. Answers JSON: the service's
 * status and body, the time until its answer (measured in-worker), and every recorded call,
 * after the request's deferred work (waitUntil) has finished too.
 */
export async function probeRequest(serve, request, ctx, settings) {
  if (active) return Response.json({ error: 'another probe is running' }, { status: 409 });
  const deferred = [];
  const probeCtx = {
    waitUntil(promise) {
      deferred.push(promise);
      ctx.waitUntil(promise);
    },
    passThroughOnException() {
      ctx.passThroughOnException?.();
    },
    props: ctx.props,
  };
  await sleep(0); // read the clock right after an event
  const probe = {
    started: Date.now(),
    answered: false,
    d1DelayMs: Number(settings.d1DelayMs) || 0,
    doDelayMs: Number(settings.doDelayMs) || 0,
    calls: [],
  };
  active = probe;
  try {
    const response = await serve(request, probeCtx);
    const body = await response.text();
    const answerMs = Date.now() - probe.started;
    probe.answered = true;
    // Deferred work may defer more work: wait until nothing new was added.
    for (let settled = 0; settled < deferred.length; ) {
      const batch = deferred.slice(settled);
      settled = deferred.length;
      await Promise.allSettled(batch);
    }
    return Response.json({ status: response.status, answerMs, calls: probe.calls, body });
  } finally {
    active = null;
  }
}
