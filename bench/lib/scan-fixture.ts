/**
 * The scripted fixture world for the nightly-scan benchmark (W5): sources spread over hosts on
 * the loopback range (127.0.0.2, 127.0.0.3, … — one HTTP server each, so per-host politeness
 * applies as it would to real sites), with injected latency (log-normal, median 300 ms, p99 ≈
 * 3 s), 5 % transient 503s with `Retry-After: 1` on first attempts, ETag/304 for unchanged
 * bodies, and two phases: the state before the night (phase 1) and the night itself (phase 2),
 * when 40 % of the list sources carry 10 new items each and EUDAMED serves a delta.
 *
 * Latencies and failures are functions of (request, attempt), so `criticalPath` knows before
 * the run what the fixture implies: for each host, an ideal scheduler that sends each request as
 * soon as its page chain allows and the host's spacing permits, with no processing time at all.
 *
 * The servers (`ScanFixture`) run in a process of their own (`scan-fixture-child.ts`), driven
 * over IPC by `ScanFixtureProcess`: they record each request's receipt time, and W5d judges the
 * client's per-host spacing by those times, so they must not depend on the bench process's event
 * loop, which world A shares with the workers under test (a busy loop there would see a request
 * late and measure its own lag, not the client's spacing). Both processes read the same clock,
 * so the parent can set the times against its own `Date.now()`.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ctPage, eudamedPage, refs, rssFeed, sbuPage, tlvPage } from './corpus.js';
import type { ItemRef } from './corpus.js';
import { mulberry32 } from './prng.js';

export type SourceKind = 'rss' | 'sbu' | 'tlv' | 'ct' | 'eudamed';

export interface ScriptedSource {
  id: string;
  kind: SourceKind;
  host: string;
  path: string;
  seed: number;
  /** Whether phase 2 brings new items (else the bytes are identical and answered with 304). */
  changes: boolean;
}

export interface WorldShape {
  rss: number;
  sbu: number;
  tlv: number;
  ct: number;
  itemsPerList: number;
  newPerChangedList: number;
  changedShare: number;
  eudamedDelta: number;
  eudamedPageSize: number;
  ctPageSize: number;
  hosts: { rss: number; sbu: number; tlv: number; ct: number };
}

export interface Hit {
  host: string;
  key: string;
  attempt: number;
  status: number;
  sentAt: number;
  doneAt: number;
  phase: number;
}

export const MIN_INTERVAL_MS = 1000;
const LATENCY_MEDIAN_MS = 300;
const LATENCY_SIGMA = Math.log(10) / 2.326; // p99 = 10 × median ≈ 3 s
const LATENCY_CAP_MS = 5000;
const ERROR_RATE = 0.05;

function hash32(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32LE(0);
}

/** Deterministic latency and failure of one attempt at one request. */
export function attemptPlan(
  seed: number,
  phase: number,
  key: string,
  attempt: number,
): { latencyMs: number; fail: boolean } {
  const rng = mulberry32(hash32(`${seed}|${phase}|${key}|${attempt}`));
  const u1 = Math.max(rng(), 1e-12);
  const u2 = rng();
  const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  const latencyMs = Math.min(
    LATENCY_CAP_MS,
    Math.round(LATENCY_MEDIAN_MS * Math.exp(LATENCY_SIGMA * normal)),
  );
  return { latencyMs, fail: attempt === 1 && rng() < ERROR_RATE };
}

export function buildSources(shape: WorldShape, seed: number): ScriptedSource[] {
  const sources: ScriptedSource[] = [];
  const rng = mulberry32(seed);
  let hostIndex = 2;
  const hostsFor = (count: number) => Array.from({ length: count }, () => `127.0.0.${hostIndex++}`);
  const add = (kind: SourceKind, count: number, hosts: string[], path: (n: number) => string) => {
    for (let n = 0; n < count; n++) {
      sources.push({
        id: `${kind}-${n}`,
        kind,
        host: hosts[n % hosts.length]!,
        path: path(n),
        seed: 1000 + sources.length,
        changes: false,
      });
    }
  };
  add('rss', shape.rss, hostsFor(shape.hosts.rss), (n) => `/EN/display-feed-${n}.rss`);
  add('sbu', shape.sbu, hostsFor(shape.hosts.sbu), (n) => `/sv/sok/lista-${n}/`);
  add('tlv', shape.tlv, hostsFor(shape.hosts.tlv), (n) => `/medicinteknik/lista-${n}.html`);
  add('ct', shape.ct, hostsFor(shape.hosts.ct), (n) => `/api/v2/studies-${n}`);
  add('eudamed', 1, hostsFor(1), () => '/tools/eudamed/api/devices/udiDiData');
  // Which list sources change in the night: a fixed share, chosen by the seed.
  const lists = sources.filter((s) => s.kind !== 'eudamed');
  const changed = Math.round(lists.length * shape.changedShare);
  const order = lists.map((s) => ({ s, r: rng() })).sort((a, b) => a.r - b.r);
  for (let k = 0; k < changed; k++) order[k]!.s.changes = true;
  return sources;
}

/** The request chains of a phase: per source, the page keys in order. */
export function chains(sources: ScriptedSource[], shape: WorldShape, phase: number): Map<string, string[][]> {
  const byHost = new Map<string, string[][]>();
  for (const source of sources) {
    let pages = 1;
    if (source.kind === 'ct') pages = Math.ceil(shape.itemsPerList / shape.ctPageSize);
    if (source.kind === 'eudamed') {
      pages = phase === 1 ? 1 : Math.ceil(shape.eudamedDelta / shape.eudamedPageSize);
    }
    const chain = Array.from({ length: pages }, (_, p) => `${source.path}#${p}`);
    const list = byHost.get(source.host) ?? [];
    list.push(chain);
    byHost.set(source.host, list);
  }
  return byHost;
}

/**
 * The time the fixture implies for a phase: per host, an ideal scheduler (no processing time)
 * sends the earliest-ready request of any chain as soon as the host's spacing allows; a page is
 * ready when the previous page of its chain has answered, a retry one Retry-After second after
 * its failure. The slowest host decides.
 */
export function criticalPath(
  sources: ScriptedSource[],
  shape: WorldShape,
  phase: number,
  seed: number,
): { ms: number; host: string; requests: number } {
  let worst = { ms: 0, host: '', requests: 0 };
  for (const [host, hostChains] of chains(sources, shape, phase)) {
    const state = hostChains.map((chain) => ({ chain, index: 0, attempt: 1, readyAt: 0 }));
    let nextSlot = 0;
    let finish = 0;
    let requests = 0;
    for (;;) {
      const open = state.filter((s) => s.index < s.chain.length);
      if (open.length === 0) break;
      const next = open.reduce((a, b) => (b.readyAt < a.readyAt ? b : a));
      const send = Math.max(next.readyAt, nextSlot);
      nextSlot = send + MIN_INTERVAL_MS;
      const plan = attemptPlan(seed, phase, next.chain[next.index]!, next.attempt);
      const done = send + plan.latencyMs;
      requests++;
      finish = Math.max(finish, done);
      if (plan.fail) {
        next.attempt++;
        next.readyAt = done + 1000;
      } else {
        next.index++;
        next.attempt = 1;
        next.readyAt = done;
      }
    }
    if (finish > worst.ms) worst = { ms: finish, host, requests };
  }
  return worst;
}

function listRefs(source: ScriptedSource, shape: WorldShape, phase: number): ItemRef[] {
  // Newest first: phase 2 of a changing list shows `newPerChangedList` new items on top.
  const shift = phase === 2 && source.changes ? shape.newPerChangedList : 0;
  return refs(0, shape.itemsPerList + shift)
    .reverse()
    .slice(0, shape.itemsPerList);
}

/** The body a source serves for a page in a phase. */
export function body(
  source: ScriptedSource,
  shape: WorldShape,
  phase: number,
  page: number,
): { text: string; type: string } {
  const items = listRefs(source, shape, phase);
  switch (source.kind) {
    case 'rss':
      return { text: rssFeed(source.seed, items), type: 'application/rss+xml; charset=UTF-8' };
    case 'sbu':
      return { text: sbuPage(source.seed, items), type: 'text/html; charset=utf-8' };
    case 'tlv':
      return { text: tlvPage(source.seed, items), type: 'text/html;charset=UTF-8' };
    case 'ct': {
      const slice = items.slice(page * shape.ctPageSize, (page + 1) * shape.ctPageSize);
      const last = (page + 1) * shape.ctPageSize >= items.length;
      return {
        text: ctPage(source.seed, slice, last ? undefined : `token-${page + 1}`),
        type: 'application/json',
      };
    }
    case 'eudamed': {
      const total = phase === 1 ? shape.eudamedPageSize : shape.eudamedDelta;
      const from = phase === 1 ? 0 : shape.eudamedPageSize + page * shape.eudamedPageSize;
      const count = Math.max(0, Math.min(shape.eudamedPageSize, total - page * shape.eudamedPageSize));
      return {
        text: eudamedPage(source.seed, refs(from, count), page, shape.eudamedPageSize, total),
        type: 'application/json',
      };
    }
  }
}

/** Smallest gap between the receipt of two requests to one host, over all hosts, in a phase. */
export function minGapMs(hits: Hit[], phase: number): number {
  const byHost = new Map<string, number[]>();
  for (const hit of hits.filter((h) => h.phase === phase)) {
    const list = byHost.get(hit.host) ?? [];
    list.push(hit.sentAt);
    byHost.set(hit.host, list);
  }
  let min = Infinity;
  for (const times of byHost.values()) {
    times.sort((a, b) => a - b);
    for (let k = 1; k < times.length; k++) min = Math.min(min, times[k]! - times[k - 1]!);
  }
  return min;
}

/** The fixture's HTTP servers; runs in `scan-fixture-child.ts`, the bench uses `ScanFixtureProcess`. */
export class ScanFixture {
  phase = 1;
  readonly hits: Hit[] = [];
  readonly origins = new Map<string, string>();
  private readonly servers: Server[] = [];
  private readonly attempts = new Map<string, number>();
  private readonly cache = new Map<string, { text: string; type: string; etag: string }>();
  private readonly byPath = new Map<string, ScriptedSource>();

  constructor(
    readonly sources: ScriptedSource[],
    readonly shape: WorldShape,
    readonly seed: number,
  ) {
    for (const source of sources) this.byPath.set(`${source.host}${source.path}`, source);
  }

  async start(): Promise<void> {
    const hosts = [...new Set(this.sources.map((s) => s.host))];
    for (const host of hosts) {
      const server = createServer((req, res) => this.handle(host, req, res));
      server.keepAliveTimeout = 30_000;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, () => resolve());
      });
      this.servers.push(server);
      this.origins.set(host, `http://${host}:${(server.address() as AddressInfo).port}`);
    }
  }

  url(source: ScriptedSource): string {
    return `${this.origins.get(source.host)!}${source.path}`;
  }

  /** Pre-renders every body of a phase so serving costs no generation time. */
  prepare(phase: number): void {
    for (const source of this.sources) {
      for (const key of chains([source], this.shape, phase).get(source.host)![0]!) {
        const page = Number(key.slice(key.lastIndexOf('#') + 1));
        const rendered = body(source, this.shape, phase, page);
        const etag = `"${createHash('sha256').update(rendered.text).digest('hex').slice(0, 32)}"`;
        this.cache.set(`${phase}|${key}|${source.host}`, { ...rendered, etag });
      }
    }
  }

  /** How many requests of a phase have been answered. */
  served(phase: number): number {
    return this.hits.filter((h) => h.phase === phase).length;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  }

  private handle(host: string, req: IncomingMessage, res: ServerResponse): void {
    const sentAt = Date.now();
    const url = new URL(req.url ?? '/', `http://${host}`);
    const source = this.byPath.get(`${host}${url.pathname}`);
    if (!source) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no such source\n');
      return;
    }
    let page = 0;
    if (source.kind === 'eudamed') page = Number(url.searchParams.get('page') ?? 0);
    if (source.kind === 'ct') {
      const token = url.searchParams.get('pageToken');
      page = token ? Number(token.slice('token-'.length)) : 0;
    }
    const key = `${source.path}#${page}`;
    const phase = this.phase;
    const counter = `${phase}|${key}|${host}`;
    const attempt = (this.attempts.get(counter) ?? 0) + 1;
    this.attempts.set(counter, attempt);
    const plan = attemptPlan(this.seed, phase, key, attempt);
    const rendered = this.cache.get(counter);
    setTimeout(() => {
      let status = 200;
      if (plan.fail) {
        status = 503;
        res.writeHead(503, { 'retry-after': '1', 'content-type': 'text/plain' }).end('busy\n');
      } else if (!rendered) {
        status = 404;
        res.writeHead(404, { 'content-type': 'text/plain' }).end('no such page\n');
      } else if (req.headers['if-none-match'] === rendered.etag) {
        status = 304;
        res.writeHead(304, { etag: rendered.etag }).end();
      } else {
        const bytes = Buffer.from(rendered.text, 'utf8');
        res.writeHead(200, {
          'content-type': rendered.type,
          etag: rendered.etag,
          'content-length': bytes.length,
        });
        res.end(bytes);
      }
      this.hits.push({ host, key, attempt, status, sentAt, doneAt: Date.now(), phase });
    }, plan.latencyMs);
  }
}

/** What `ScanFixtureProcess` asks of its child, and what the child answers. */
export type FixtureCommand =
  | { op: 'start'; sources: ScriptedSource[]; shape: WorldShape; seed: number }
  | { op: 'phase'; phase: number }
  | { op: 'served'; phase: number }
  | { op: 'hits' }
  | { op: 'close' };
export type FixtureRequest = FixtureCommand & { id: number };
export type FixtureReply =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./scan-fixture-child.ts', import.meta.url));

/**
 * The bench's handle on a `ScanFixture` running in its own process (see the module comment): the
 * same sources, shape and seed, the same origins, phase switches acknowledged before they return.
 * Hits are fetched on request; `served` is the cheap count the kill test polls.
 */
export class ScanFixtureProcess {
  readonly origins = new Map<string, string>();
  private child: ChildProcess | undefined;
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (e: Error) => void }
  >();

  constructor(
    readonly sources: ScriptedSource[],
    readonly shape: WorldShape,
    readonly seed: number,
  ) {}

  /** Starts the child, its servers and both phases' bodies; resolves once the origins are known. */
  async start(): Promise<void> {
    // The child writes nothing on purpose; its stdout goes to our stderr all the same, so stray
    // output cannot mix with the bench's JSON line.
    const child = fork(CHILD, [], {
      cwd: REPO,
      execPath: process.execPath,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 2, 2, 'ipc'],
    });
    this.child = child;
    child.on('message', (reply: FixtureReply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.value);
      else waiter.reject(new Error(`scan fixture: ${reply.error}`));
    });
    const fail = (error: Error) => {
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    child.on('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`scan fixture process exited (${code ?? signal})`)));
    try {
      const origins = (await this.request({
        op: 'start',
        sources: this.sources,
        shape: this.shape,
        seed: this.seed,
      })) as Array<[string, string]>;
      for (const [host, origin] of origins) this.origins.set(host, origin);
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  url(source: ScriptedSource): string {
    return `${this.origins.get(source.host)!}${source.path}`;
  }

  /** Switches the servers to a phase; in effect for every request received after this resolves. */
  async setPhase(phase: number): Promise<void> {
    await this.request({ op: 'phase', phase });
  }

  /** How many requests of a phase have been answered so far. */
  async served(phase: number): Promise<number> {
    return (await this.request({ op: 'served', phase })) as number;
  }

  /** Every answered request so far, with the child's receipt and answer times. */
  async hits(): Promise<Hit[]> {
    return (await this.request({ op: 'hits' })) as Hit[];
  }

  /** Closes the servers and waits for the child to exit (killed if it has not within 5 s). */
  async close(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await this.request({ op: 'close' });
    } catch {
      // Already gone or broken: it is stopped below all the same.
    }
    if (child.connected) child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  private request(command: FixtureCommand): Promise<unknown> {
    const child = this.child;
    if (!child?.connected) return Promise.reject(new Error('scan fixture process not running'));
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const message: FixtureRequest = { ...command, id };
      child.send(message, (error) => {
        if (!error) return;
        this.pending.delete(id);
        reject(error);
      });
    });
  }
}
