import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertInvariants } from '../helpers/invariants.js';
import { prepareWorld } from './support/scenario.js';
import type { Prepared } from './support/scenario.js';
import type { WorkerProcess } from './support/world.js';

/**
 * N8: a source whose certificate cannot be trusted. The TLV list redirects to an HTTPS copy of
 * the recordings on loopback, served with a certificate that is valid (the control: the worker
 * trusts the test CA through NODE_EXTRA_CA_CERTS), expired, or self-signed. The scan must fail
 * hard as `tls`, at once and without retries, never read a byte over the connection, keep what
 * the source gave before, and leave every invariant intact.
 */

const TLV_LIST = 'www.tlv.se/medicinteknik/halsoekonomiska-bedomningar-av-medicinteknik.html';

interface TlsCopy {
  origin: string;
  host: string;
  connections: number;
  requests: number;
  close(): Promise<void>;
}

let dir: string;
let prepared: Prepared;
let worker: WorkerProcess;
const copies: Record<'valid' | 'expired' | 'selfSigned', TlsCopy> = {} as never;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A test CA, a leaf it signs for 127.0.0.1 (valid now or long expired), and a self-signed leaf. */
function makeCertificates(): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-days',
    '2',
    '-subj',
    '/CN=Horisont test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  );
  openssl(
    'req',
    '-x509',
    ...ec,
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    'self.key',
    '-out',
    'self.pem',
  );
  writeFileSync(
    path.join(dir, 'ca.cnf'),
    [
      '[ca]',
      'default_ca = test',
      '[test]',
      'database = index.txt',
      'unique_subject = no',
      'new_certs_dir = .',
      'serial = serial',
      'default_md = sha256',
      'policy = any',
      'x509_extensions = leaf',
      '[any]',
      'commonName = supplied',
      '[leaf]',
      'subjectAltName = IP:127.0.0.1',
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(dir, 'index.txt'), '');
  writeFileSync(path.join(dir, 'serial'), '01\n');
  for (const [name, dates] of [
    ['valid', []],
    ['expired', ['-startdate', '20200101000000Z', '-enddate', '20200102000000Z']],
  ] as const) {
    openssl('req', ...ec, '-subj', '/CN=127.0.0.1', '-keyout', `${name}.key`, '-out', `${name}.csr`);
    openssl(
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-cert',
      'ca.pem',
      '-keyfile',
      'ca.key',
      '-in',
      `${name}.csr`,
      '-out',
      `${name}.pem`,
      ...(dates.length > 0 ? dates : ['-days', '2']),
    );
  }
}

/** The recordings over HTTPS with the given certificate, counting connections and requests. */
async function tlsCopy(fixturesOrigin: string, name: string): Promise<TlsCopy> {
  const counts = { connections: 0, requests: 0 };
  const server = https.createServer(
    { key: readFileSync(path.join(dir, `${name}.key`)), cert: readFileSync(path.join(dir, `${name}.pem`)) },
    (req, res) => {
      counts.requests++;
      void fetch(`${fixturesOrigin}${req.url ?? '/'}`).then(async (upstream) => {
        res.writeHead(upstream.status, {
          'content-type': upstream.headers.get('content-type') ?? 'text/plain',
        });
        res.end(Buffer.from(await upstream.arrayBuffer()));
      });
    },
  );
  server.on('connection', () => counts.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(counts, {
    origin: `https://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'horisont-fault-tls-'));
  makeCertificates();
  prepared = await prepareWorld({}, ['eudamed-devices']);
  const { world } = prepared;
  copies.valid = await tlsCopy(world.fixtures.origin, 'valid');
  copies.expired = await tlsCopy(world.fixtures.origin, 'expired');
  copies.selfSigned = await tlsCopy(world.fixtures.origin, 'self');
  worker = world.startWorker({
    env: {
      NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.pem'),
      HORISONT_ALLOW_PRIVATE_HOSTS: Object.values(copies)
        .map((copy) => copy.host)
        .join(','),
    },
  });
});
afterAll(async () => {
  await prepared?.world.close();
  await Promise.all(Object.values(copies).map((copy) => copy.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function scanThrough(copy: TlsCopy) {
  const { world } = prepared;
  world.source.clear();
  world.source.on(TLV_LIST, { kind: 'redirect', location: `${copy.origin}/${TLV_LIST}` });
  const runId = await world.startRun(['tlv']);
  const summary = await world.waitForRun(runId);
  return { runId, tlv: summary.sources.find((s) => s.source_id === 'tlv')! };
}

describe('N8 a source behind a certificate that cannot be trusted', () => {
  it('reads the source when the certificate is valid (the worker trusts the test CA)', async () => {
    const { tlv } = await scanThrough(copies.valid);
    expect(tlv.status).toBe('ok');
    expect(copies.valid.requests).toBeGreaterThan(0);
  });

  it.each([
    ['an expired', 'expired'],
    ['a self-signed', 'selfSigned'],
  ] as const)(
    'fails hard as tls on %s certificate: once, nothing read, earlier items kept',
    async (_what, key) => {
      const { world } = prepared;
      const copy = copies[key];
      const [before] = await world.query<{ n: number }>(
        `select count(*)::int as n from source_items where source_id = 'tlv'`,
      );
      const { runId, tlv } = await scanThrough(copy);
      expect(tlv).toMatchObject({ status: 'failed', error_kind: 'tls' });
      expect(copy.requests).toBe(0);
      // One handshake, refused: the failure is final at once, never retried.
      expect(copy.connections).toBe(1);
      const failed = await world.query<{ job_id: string; queue: string; error_kind: string }>(
        'select job_id, queue, error_kind from run_jobs where run_id = $1 and failed',
        [runId],
      );
      expect(failed.map((job) => [job.queue, job.error_kind])).toEqual([['fetch', 'tls']]);
      const job = await (await world.app()).pipeline.queues.fetch.getJob(failed[0]!.job_id);
      expect(job?.attemptsMade).toBe(1);
      const [after] = await world.query<{ n: number }>(
        `select count(*)::int as n from source_items where source_id = 'tlv'`,
      );
      expect(after!.n).toBe(before!.n);
      expect(worker.exitCode()).toBeNull();
      await assertInvariants(world, {
        oracle: prepared.oracle,
        decisionsBefore: prepared.decisionsBefore,
        app: await world.app(),
      });
    },
  );
});
