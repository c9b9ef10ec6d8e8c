import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingHttpHeaders } from 'node:http';
import { rootCertificates } from 'node:tls';
import type { LookupFunction } from 'node:net';
import { Transform, Writable } from 'node:stream';
import type { Readable, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import zlib from 'node:zlib';
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import { HorisontError } from '../domain/errors.js';
import type { ErrorKind } from '../domain/errors.js';
import type { HostThrottle } from './host-throttle.js';
import { assertUrlAllowed, guardedConnector, ssrfError } from './ssrf-guard.js';

export interface HttpClientOptions {
  /** Identifying UA, e.g. 'Mozilla/5.0 (compatible; Horisont/0.1; +https://github.com/horisont)'. */
  userAgent: string;
  /**
   * `host` or `host:port` entries that MAY resolve to private/loopback addresses (the test and demo
   * fixture server, e.g. '127.0.0.1:4870'). Empty in production.
   */
  allowPrivate: string[];
  /** Overall deadline per request, including redirects and the body. */
  deadlineMs: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  /** Longest gap between body chunks; the deadline is what bounds a slow drip. */
  bodyTimeoutMs: number;
  /** Counted after decompression. */
  maxBodyBytes: number;
  /** Redirects are followed by hand; each hop is re-validated. */
  maxRedirects: number;
  throttle: HostThrottle;
  /** Per-host politeness spacing. */
  minIntervalMs: (host: string) => number;
  /**
   * Longest wait for a host's slot before giving up with `rate-limited` (so a job is delayed by
   * the queue instead of holding a worker while a host's Retry-After runs out). Default 5 min.
   */
  maxSlotWaitMs?: number;
  /**
   * robots.txt (RFC 9309) for every URL fetched, redirect hops included; normally a
   * RobotsChecker reading robots.txt through this same client. Throws `robots-disallowed`.
   */
  robots?: { assertAllowed(url: string): Promise<void> };
  /** DNS resolver injection for tests (dns.lookup signature, called with {all:true}). */
  lookup?: LookupFunction;
  /**
   * Extra trusted CA certificates (PEM), added to Node's own: a region's identity provider under
   * an internal PKI, or a test's own provider. (`NODE_EXTRA_CA_CERTS` does the same per process.)
   */
  extraCa?: string;
}

export interface ConditionalState {
  etag?: string;
  lastModified?: string;
}

export type FetchOutcome =
  | { kind: 'not-modified'; url: string; status: 304; headers: Record<string, string> }
  | {
      kind: 'fetched';
      url: string;
      status: number;
      headers: Record<string, string>;
      body: Buffer;
    };

export interface GetInit {
  conditional?: ConditionalState;
  accept?: string;
  signal?: AbortSignal;
  /** False for the robots.txt request itself. */
  robots?: boolean;
  /** Non-2xx statuses returned as a fetched response (with their body) instead of thrown. */
  acceptStatuses?: readonly number[];
  /**
   * Longest this call sleeps for the host's send slot. A slot further away is kept and thrown as
   * `SlotDeferred`, so a queue job can wait for it as a delayed job, outside its worker slot,
   * and pass it back as `slotAt`.
   */
  holdSlotMs?: number;
  /** The send slot (epoch ms) this request already holds, from an earlier `SlotDeferred`. */
  slotAt?: number;
}

/**
 * The host's next send slot for this request is further away than the caller would sleep. The slot
 * stays reserved for it: the caller comes back with `slotAt` instead of queueing again.
 */
export class SlotDeferred extends HorisontError {
  constructor(
    url: string,
    readonly slotAt: number,
    waitMs: number,
  ) {
    super('rate-limited', `fetch: the send slot for ${url} is ${waitMs} ms away`, { retryAfterMs: waitMs });
    this.name = 'SlotDeferred';
  }
}

export interface PostInit {
  body: string;
  headers: Record<string, string>;
  signal?: AbortSignal;
  /** Shorter than the client's deadline, e.g. for webhook receivers; reported as `timeout`. */
  deadlineMs?: number;
  /**
   * Keep a 2xx response's body (an OIDC token response), read under the same size cap and
   * decoding as `get`. Otherwise it is discarded.
   */
  readBody?: boolean;
}

export interface PostResult {
  status: number;
  headers: Record<string, string>;
  /** Present when `readBody` was asked for. */
  body?: Buffer;
}

const DEFAULT_ACCEPT =
  'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, ' +
  'text/html;q=0.8, application/json;q=0.8, */*;q=0.5';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** A server may ask us to stay away, but not for longer than this; the scheduler runs again. */
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

const DEFAULT_MAX_SLOT_WAIT_MS = 5 * 60 * 1000;

/** 304 and redirect bodies are tiny in practice; anything longer is not worth the connection. */
const DISCARD_LIMIT_BYTES = 64 * 1024;

type Coding = 'identity' | 'gzip' | 'deflate' | 'br';

/**
 * The one guarded outbound HTTP client. Every outbound request in the pipeline goes through here so
 * that SSRF policy, size and time limits, politeness and error classification live in one place.
 */
export class HttpClient {
  private readonly agent: Agent;
  /** Claimed requests by origin and path, told when undici writes their first byte. */
  private readonly awaitingSend = new Map<string, () => void>();
  private readonly onSendHeaders = (message: unknown): void => {
    const { request: sending } = message as { request: { origin?: unknown; path?: unknown } };
    const key = sendKey(String(sending.origin), String(sending.path));
    const sent = this.awaitingSend.get(key);
    if (sent === undefined) return;
    this.awaitingSend.delete(key);
    sent();
  };

  constructor(private readonly options: HttpClientOptions) {
    diagnosticsChannel.subscribe('undici:client:sendHeaders', this.onSendHeaders);
    this.agent = new Agent({
      connect: guardedConnector({
        allowPrivate: options.allowPrivate,
        connectTimeoutMs: options.connectTimeoutMs,
        ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
        ...(options.extraCa === undefined ? {} : { ca: [...rootCertificates, options.extraCa] }),
      }),
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
      allowH2: false,
    });
  }

  async get(url: string, init: GetInit = {}): Promise<FetchOutcome> {
    let current = parseUrl(url);
    const callerSignal = init.signal;
    // The deadline starts once the first request is allowed out: time spent queued behind our own
    // politeness spacing says nothing about the server and must not turn into `timeout` failures.
    let deadline: AbortSignal | undefined;
    let signal: AbortSignal | undefined = callerSignal;

    try {
      for (let redirects = 0; ; redirects++) {
        assertUrlAllowed(current, this.options.allowPrivate);
        // Hops are sequential by nature: each depends on the previous response.
        if (init.robots !== false && this.options.robots !== undefined) {
          // eslint-disable-next-line no-await-in-loop
          await this.options.robots.assertAllowed(current.href);
        }
        // A slot held from an earlier call is for the first hop; a redirect's hop waits in place.
        // eslint-disable-next-line no-await-in-loop
        await this.waitForSlot(current, signal, redirects === 0 ? init : {});
        if (deadline === undefined) {
          deadline = AbortSignal.timeout(this.options.deadlineMs);
          signal = callerSignal === undefined ? deadline : AbortSignal.any([deadline, callerSignal]);
        }

        const sendingKey = sendKey(current.origin, `${current.pathname}${current.search}`);
        let response: Dispatcher.ResponseData;
        try {
          // eslint-disable-next-line no-await-in-loop
          response = await request(current, {
            dispatcher: this.agent,
            method: 'GET',
            headers: this.requestHeaders(init),
            signal,
          });
        } finally {
          this.awaitingSend.delete(sendingKey);
        }
        const status = response.statusCode;
        const headers = flattenHeaders(response.headers);

        if (status === 304) {
          // eslint-disable-next-line no-await-in-loop
          await discard(response.body, signal);
          return { kind: 'not-modified', url: current.href, status: 304, headers };
        }

        if (REDIRECT_STATUSES.has(status)) {
          // eslint-disable-next-line no-await-in-loop
          await discard(response.body, signal);
          if (redirects >= this.options.maxRedirects) {
            throw new HorisontError(
              'too-many-redirects',
              `fetch: more than ${this.options.maxRedirects} redirects: ${url}`,
              { status },
            );
          }
          current = resolveRedirect(current, headers['location'], status);
          continue;
        }

        if ((status < 200 || status >= 300) && init.acceptStatuses?.includes(status) !== true) {
          abandon(response.body);
          const failure = statusError(status, headers, current.href);
          if (failure.retryAfterMs !== undefined) {
            // Every request to this host waits, not only the retry of this one.
            // eslint-disable-next-line no-await-in-loop
            await this.penalise(current.hostname, failure.retryAfterMs);
          }
          throw failure;
        }

        // eslint-disable-next-line no-await-in-loop
        const body = await this.readBody(response.body, headers, current.href, signal);
        return { kind: 'fetched', url: current.href, status, headers, body };
      }
    } catch (error) {
      throw toFetchError(error, current.href, deadline, callerSignal);
    }
  }

  /**
   * One POST (webhook deliveries) under the same SSRF checks, connector and deadline as `get`.
   * Redirects are not followed: a receiver that moved is registered again, and its new address
   * is checked then. Unless `readBody` asks for it, the response body is discarded; only a 2xx
   * status counts as success.
   */
  async post(url: string, init: PostInit): Promise<PostResult> {
    const target = parseUrl(url);
    const deadline = AbortSignal.timeout(init.deadlineMs ?? this.options.deadlineMs);
    const signal = init.signal === undefined ? deadline : AbortSignal.any([deadline, init.signal]);
    try {
      assertUrlAllowed(target, this.options.allowPrivate);
      const response = await request(target, {
        dispatcher: this.agent,
        method: 'POST',
        headers: { 'user-agent': this.options.userAgent, ...init.headers },
        body: init.body,
        signal,
      });
      const status = response.statusCode;
      const headers = flattenHeaders(response.headers);
      if (status >= 200 && status < 300) {
        if (init.readBody === true) {
          return { status, headers, body: await this.readBody(response.body, headers, target.href, signal) };
        }
        await discard(response.body, signal);
        return { status, headers };
      }
      await discard(response.body, signal);
      if (REDIRECT_STATUSES.has(status)) {
        throw new HorisontError('http-4xx', `post: redirect ${status} not followed: ${target.href}`, {
          status,
        });
      }
      throw statusError(status, headers, target.href);
    } catch (error) {
      throw toFetchError(error, target.href, deadline, init.signal);
    }
  }

  /**
   * Closes every connection. A request still in flight is aborted rather than awaited: by then its
   * job was abandoned at a shutdown deadline, and waiting for a server that never answers would
   * keep the process alive past that deadline.
   */
  async close(): Promise<void> {
    diagnosticsChannel.unsubscribe('undici:client:sendHeaders', this.onSendHeaders);
    await this.agent.destroy();
  }

  private async penalise(host: string, ms: number): Promise<void> {
    try {
      await this.options.throttle.penalise?.(host, ms);
    } catch {
      // Politeness bookkeeping must not turn a rate-limit answer into another kind of failure;
      // the job's own backoff still honours Retry-After.
    }
  }

  private async waitForSlot(
    url: URL,
    signal: AbortSignal | undefined,
    init: Pick<GetInit, 'holdSlotMs' | 'slotAt'>,
  ): Promise<void> {
    const host = url.hostname;
    const spacing = this.options.minIntervalMs(host);
    const maxWait = this.options.maxSlotWaitMs ?? DEFAULT_MAX_SLOT_WAIT_MS;
    const waitFor = async (ms: number) => {
      if (ms > maxWait) {
        throw new HorisontError('rate-limited', `fetch: ${host} is held back for ${ms} ms: ${url.href}`, {
          retryAfterMs: ms,
        });
      }
      if (init.holdSlotMs !== undefined && ms > init.holdSlotMs) {
        throw new SlotDeferred(url.href, Date.now() + ms, ms);
      }
      if (ms > 0) await delay(ms, undefined, signal === undefined ? {} : { signal });
    };
    await waitFor(
      init.slotAt === undefined
        ? await this.options.throttle.reserve(host, spacing)
        : Math.max(0, init.slotAt - Date.now()),
    );
    if (spacing <= 0) return;
    for (;;) {
      // eslint-disable-next-line no-await-in-loop
      const rest = await this.options.throttle.claim(host, spacing);
      if (rest <= 0) break;
      // eslint-disable-next-line no-await-in-loop
      await waitFor(rest);
    }
    this.awaitingSend.set(sendKey(url.origin, `${url.pathname}${url.search}`), () => {
      this.options.throttle.sent(host, spacing).catch(() => {
        // The claim already spaced this send; the actual send time only refines it.
      });
    });
  }

  private requestHeaders(init: GetInit): Record<string, string> {
    const headers: Record<string, string> = {
      'user-agent': this.options.userAgent,
      accept: init.accept ?? DEFAULT_ACCEPT,
      'accept-encoding': 'gzip, deflate, br',
    };
    if (init.conditional?.etag !== undefined) headers['if-none-match'] = init.conditional.etag;
    if (init.conditional?.lastModified !== undefined) {
      headers['if-modified-since'] = init.conditional.lastModified;
    }
    return headers;
  }

  private async readBody(
    body: Readable,
    headers: Record<string, string>,
    url: string,
    signal: AbortSignal | undefined,
  ): Promise<Buffer> {
    const max = this.options.maxBodyBytes;
    let coding: Coding;
    try {
      coding = parseContentEncoding(headers['content-encoding']);
    } catch (error) {
      abandon(body);
      throw error;
    }
    // Compressed data is never much larger than what it decodes to (deflate's worst case is a few
    // bytes per 16 KiB block), so a small slack keeps the raw cap from rejecting honest bodies.
    const rawCap = coding === 'identity' ? max : max + Math.ceil(max / 100) + 1024;

    const declared = headers['content-length'];
    if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > rawCap) {
      abandon(body);
      throw tooLarge(url, max, `Content-Length ${declared}`);
    }

    const chunks: Buffer[] = [];
    let decoded = 0;
    let raw = 0;
    const rawCounter = new Transform({
      transform(chunk: Buffer, _encoding, callback: TransformCallback) {
        raw += chunk.length;
        if (raw > rawCap) callback(tooLarge(url, max, 'while reading'));
        else callback(null, chunk);
      },
    });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        decoded += chunk.length;
        if (decoded > max) return callback(tooLarge(url, max, 'after decompression'));
        chunks.push(chunk);
        return callback();
      },
    });
    const stages: NodeJS.ReadWriteStream[] = [rawCounter];
    const decoder = createDecoder(coding);
    if (decoder !== undefined) stages.push(decoder);

    await pipeline([body, ...stages, sink], signal === undefined ? {} : { signal });
    return Buffer.concat(chunks, decoded);
  }
}

/**
 * The next hop of a redirect: Location resolved against the current URL, with https→http
 * downgrades refused. The SSRF checks on the result run in the request loop like any other hop.
 */
export function resolveRedirect(from: URL, location: string | undefined, status: number): URL {
  if (location === undefined || location === '') {
    throw new HorisontError('parse', `fetch: redirect ${status} without Location: ${from.href}`, {
      status,
    });
  }
  let next: URL;
  try {
    next = new URL(location, from);
  } catch (cause) {
    throw new HorisontError('parse', `fetch: invalid redirect Location from ${from.href}`, {
      cause,
      status,
    });
  }
  if (from.protocol === 'https:' && next.protocol === 'http:') {
    throw ssrfError(`refused https→http downgrade redirect from ${from.href} to ${next.href}`);
  }
  // Fragments are client-side; keep the one from the original URL only if the hop has none.
  if (next.hash === '' && from.hash !== '') next.hash = from.hash;
  return next;
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch (cause) {
    // Not `ssrf-blocked`: nothing was refused, the input simply is not a URL.
    throw new HorisontError('parse', `fetch: invalid URL ${JSON.stringify(url)}`, { cause });
  }
}

/**
 * Exactly one coding (after dropping `identity`) from the set we decode ourselves. Chains are
 * refused outright: each extra layer multiplies decompression work, and no real server needs them.
 */
function parseContentEncoding(header: string | undefined): Coding {
  const codings = (header ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0) return 'identity';
  const only = codings[0];
  if (codings.length === 1) {
    if (only === 'gzip' || only === 'x-gzip') return 'gzip';
    if (only === 'deflate' || only === 'br') return only;
  }
  throw new HorisontError('parse', `fetch: unsupported content-encoding ${JSON.stringify(header ?? '')}`);
}

function createDecoder(coding: Coding): NodeJS.ReadWriteStream | undefined {
  switch (coding) {
    case 'identity':
      return undefined;
    case 'gzip':
      return zlib.createGunzip();
    case 'deflate':
      // RFC 9110 "deflate" is the zlib format; raw-deflate servers are rare and get a parse error.
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
  }
}

async function discard(body: Readable, signal: AbortSignal | undefined): Promise<void> {
  try {
    const dumpable = body as Readable & {
      dump(opts: { limit: number; signal?: AbortSignal }): Promise<void>;
    };
    await dumpable.dump({ limit: DISCARD_LIMIT_BYTES, ...(signal === undefined ? {} : { signal }) });
  } catch {
    // A body we are throwing away cannot fail the request; the socket is simply not reused.
    abandon(body);
  }
}

/** Destroying an undici body emits an abort error; nobody is listening any more, so swallow it. */
function abandon(body: Readable): void {
  body.on('error', () => {});
  body.destroy();
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** `Retry-After` as delta-seconds or an HTTP-date, capped; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+$/.test(trimmed)) {
    ms = Number(trimmed) * 1000;
  } else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}

function statusError(status: number, headers: Record<string, string>, url: string): HorisontError {
  const retryAfterMs = parseRetryAfter(headers['retry-after']);
  const options = retryAfterMs === undefined ? { status } : { status, retryAfterMs };
  // Both are retried, after Retry-After when given; they differ in what they say about the source:
  // 429 is our request rate, 503 is the server's own trouble (maintenance, overload, a gateway).
  if (status === 429) {
    return new HorisontError('rate-limited', `fetch: HTTP 429 (rate limited): ${url}`, options);
  }
  if (status === 503) {
    return new HorisontError('server-error', `fetch: HTTP 503 (service unavailable): ${url}`, options);
  }
  if (status >= 500) return new HorisontError('http-5xx', `fetch: HTTP ${status}: ${url}`, options);
  if (status >= 400) return new HorisontError('http-4xx', `fetch: HTTP ${status}: ${url}`, { status });
  return new HorisontError('parse', `fetch: unexpected HTTP status ${status}: ${url}`, { status });
}

function tooLarge(url: string, max: number, detail: string): HorisontError {
  return new HorisontError('too-large', `fetch: body exceeds ${max} bytes (${detail}): ${url}`);
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
]);

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'HOSTNAME_MISMATCH',
  'EPROTO',
]);

function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  const visit = (e: unknown): void => {
    if (typeof e !== 'object' || e === null || seen.has(e)) return;
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    visit((e as { cause?: unknown }).cause);
    // Happy Eyeballs reports one error per address tried.
    if (e instanceof AggregateError) for (const inner of e.errors) visit(inner);
  };
  visit(error);
  return codes;
}

function classify(codes: string[]): { kind: ErrorKind; what: string } | undefined {
  for (const code of codes) {
    if (TIMEOUT_CODES.has(code)) return { kind: 'timeout', what: `timed out (${code})` };
  }
  for (const code of codes) {
    if (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_')) {
      return { kind: 'tls', what: `TLS failure (${code})` };
    }
  }
  for (const code of codes) {
    if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return { kind: 'too-large', what: 'body too large' };
    if (code === 'Z_BUF_ERROR') return { kind: 'network', what: 'truncated compressed body' };
    if (code === 'Z_DATA_ERROR' || code === 'ERR_BROTLI_DECOMPRESSION_FAILED') {
      return { kind: 'parse', what: `corrupt compressed body (${code})` };
    }
    if (code.startsWith('Z_') || code.startsWith('ERR__ERROR_')) {
      return { kind: 'parse', what: `corrupt compressed body (${code})` };
    }
    if (code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') {
      return { kind: 'network', what: 'truncated body (Content-Length mismatch)' };
    }
    if (code === 'ERR_STREAM_PREMATURE_CLOSE') return { kind: 'network', what: 'truncated body' };
    if (code.startsWith('E') || code.startsWith('UND_ERR') || code.startsWith('HPE_')) {
      return { kind: 'network', what: `network error (${code})` };
    }
  }
  return undefined;
}

/** Maps anything thrown while fetching to a HorisontError whose message names the URL. */
/** How a claimed request is known again when undici reports writing it. */
function sendKey(origin: string, path: string): string {
  // Also called for every request undici writes in this process, whatever its shape; a
  // diagnostics subscriber that throws would crash the process.
  return `${URL.canParse(origin) ? new URL(origin).origin : origin}${path}`;
}

function toFetchError(
  error: unknown,
  url: string,
  deadline: AbortSignal | undefined,
  callerSignal: AbortSignal | undefined,
): HorisontError {
  // The deadline wins over whatever undici reported on the way down (socket closed, aborted, …).
  if (deadline?.aborted === true) {
    return new HorisontError('timeout', `fetch: deadline exceeded: ${url}`, { cause: error });
  }
  if (error instanceof HorisontError) {
    if (error.message.includes(url)) return error;
    return new HorisontError(error.kind, `${error.message} (${url})`, {
      cause: error,
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    });
  }
  if (callerSignal?.aborted === true) {
    return new HorisontError('network', `fetch: aborted by caller: ${url}`, { cause: error });
  }
  const classified = classify(errorCodes(error));
  if (classified !== undefined) {
    return new HorisontError(classified.kind, `fetch: ${classified.what}: ${url}`, {
      cause: error,
    });
  }
  return new HorisontError('internal', `fetch: unexpected error: ${url}`, { cause: error });
}
