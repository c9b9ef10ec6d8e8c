import dns from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import net from 'node:net';
import type { LookupFunction, Socket } from 'node:net';
import ipaddr from 'ipaddr.js';
import { buildConnector } from 'undici';
import { HorisontError } from '../domain/errors.js';

/**
 * Address classification for outbound connections. Only globally routable unicast addresses pass;
 * everything else (loopback, private, link-local/metadata, CGNAT, benchmarking, multicast,
 * reserved, and every IPv6 form that embeds one of those) is refused. Unparseable input is
 * refused too: failing closed is the point of this module.
 */
export function isBlockedAddress(ip: string): boolean {
  const literal = stripBrackets(ip);
  if (!ipaddr.isValid(literal)) return true;
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // process() unwraps ::ffff:a.b.c.d so the IPv4 rules apply to it.
    address = ipaddr.process(literal);
  } catch {
    return true;
  }
  if (address.kind() === 'ipv6') {
    const embedded = embeddedIPv4(address as ipaddr.IPv6);
    if (embedded !== undefined) return embedded.range() !== 'unicast';
  }
  return address.range() !== 'unicast';
}

const NAT64 = ipaddr.parseCIDR('64:ff9b::/96');
const SIX_TO_FOUR = ipaddr.parseCIDR('2002::/16');
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

/**
 * The IPv4 address carried inside NAT64 (64:ff9b::/96), 6to4 (2002::/16) and the deprecated
 * IPv4-compatible (::/96) forms. ipaddr.js classifies the first two as their own ranges and the
 * last as plain unicast, so without decoding `[::7f00:1]` would be let through as "unicast" and
 * the policy on the others would not depend on the address they actually reach.
 */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const bytes = address.toByteArray();
  if (address.match(NAT64) || address.match(IPV4_COMPATIBLE)) {
    return new ipaddr.IPv4(bytes.slice(12, 16));
  }
  if (address.match(SIX_TO_FOUR)) {
    return new ipaddr.IPv4(bytes.slice(2, 6));
  }
  return undefined;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : '80';
}

/**
 * True when `hostname[:port]` is explicitly allowlisted to reach private addresses. Entries are
 * either `host` (any port) or `host:port`; IPv6 entries use brackets (`[::1]:8080`). Matching is
 * exact and case-insensitive: no wildcards, so a typo cannot open a range.
 */
export function isAllowlisted(
  hostname: string,
  port: string,
  protocol: string,
  allowPrivate: readonly string[],
): boolean {
  if (allowPrivate.length === 0) return false;
  const host = hostname.toLowerCase();
  const bracketed = net.isIPv6(stripBrackets(host)) ? `[${stripBrackets(host)}]` : host;
  const effectivePort = port === '' ? defaultPort(protocol) : port;
  return allowPrivate.some((raw) => {
    const entry = raw.trim().toLowerCase();
    return entry === bracketed || entry === host || entry === `${bracketed}:${effectivePort}`;
  });
}

/** Names that resolve to loopback by convention (RFC 6761), refused without asking DNS. */
function isLocalhostName(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return host === 'localhost' || host.endsWith('.localhost');
}

export function ssrfError(message: string): HorisontError {
  return new HorisontError('ssrf-blocked', `fetch: ${message}`);
}

/**
 * Layer 1, before any dispatch: scheme and literal-address checks on the WHATWG-parsed URL (which
 * has already normalised `017700000001`, `0x7f.1`, `127.1` and `2130706433` to dotted form).
 * Names are checked again at connect time by the guarded lookup and the socket check.
 */
export function assertUrlAllowed(url: URL, allowPrivate: string[]): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw ssrfError(`scheme ${url.protocol} not allowed: ${url.href}`);
  }
  if (isAllowlisted(url.hostname, url.port, url.protocol, allowPrivate)) return;
  const host = stripBrackets(url.hostname);
  if (net.isIP(host) !== 0) {
    if (isBlockedAddress(host)) throw ssrfError(`private address ${host} refused: ${url.href}`);
    return;
  }
  if (isLocalhostName(host)) throw ssrfError(`local name ${host} refused: ${url.href}`);
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * Layer 2: a `lookup` for net/tls.connect that resolves every address of the name and fails the
 * connection if any of them is blocked. Checking all of them (not just the one that would be
 * dialled) stops a name that mixes public and private answers from being raced into a private
 * connection by Happy Eyeballs or a retry.
 */
export function guardedLookup(resolve: LookupFunction = dns.lookup): LookupFunction {
  return (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    resolve(hostname, { ...options, all: true }, (err, result) => {
      if (err) return callback(err, options.all === true ? [] : '');
      const addresses: LookupAddress[] = Array.isArray(result)
        ? result
        : [{ address: result, family: net.isIP(result) }];
      const blocked = addresses.find((a) => isBlockedAddress(a.address));
      if (blocked !== undefined || addresses.length === 0) {
        const why = blocked === undefined ? 'no addresses' : `resolves to private address ${blocked.address}`;
        return callback(ssrfError(`${hostname} ${why}`), options.all === true ? [] : '');
      }
      if (options.all === true) return callback(null, addresses);
      const first = addresses[0]!;
      return callback(null, first.address, first.family);
    });
  };
}

export interface GuardedConnectorOptions {
  allowPrivate: readonly string[];
  connectTimeoutMs: number;
  lookup?: LookupFunction;
  /** Trusted CA certificates (PEM) replacing Node's defaults; undefined keeps the defaults. */
  ca?: string[];
}

/**
 * An undici `connect` function that applies layers 2 and 3. Layer 3 re-checks the peer address of
 * the connected socket, which catches whatever bypassed the lookup: IP literals (net.connect never
 * calls lookup for them) and anything a future code path dials directly.
 */
export function guardedConnector(options: GuardedConnectorOptions): buildConnector.connector {
  const resolve = options.lookup ?? dns.lookup;
  const tls = options.ca === undefined ? {} : { ca: options.ca };
  const strict = buildConnector({
    timeout: options.connectTimeoutMs,
    lookup: guardedLookup(resolve),
    ...tls,
  });
  // Allowlisted hosts still go through the injected resolver so tests and the demo resolve names
  // the same way production does; they just skip the address policy.
  const permissive = buildConnector({ timeout: options.connectTimeoutMs, lookup: resolve, ...tls });

  return (connectOptions, callback) => {
    const { hostname, port, protocol } = connectOptions;
    const allowed = isAllowlisted(hostname, port, protocol, options.allowPrivate);
    const connector = allowed ? permissive : strict;
    connector(connectOptions, (err, socket) => {
      if (err !== null) return callback(err, null);
      if (!allowed) {
        const remote = socket.remoteAddress;
        if (remote === undefined || isBlockedAddress(remote)) {
          destroyQuietly(socket);
          return callback(
            ssrfError(`${hostname} connected to private address ${remote ?? '(unknown)'}`),
            null,
          );
        }
      }
      return callback(null, socket);
    });
  };
}

function destroyQuietly(socket: Socket): void {
  socket.on('error', () => {});
  socket.destroy();
}
