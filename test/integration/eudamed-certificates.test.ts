import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateFacts } from '../../src/domain/item.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * EUDAMED's certificate search names no device; the detail of each certificate does. The scan
 * reads the detail of every new certificate and of every new version, never one it has read,
 * and the certificate becomes evidence on the candidates of the devices its scopes cover.
 */
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

// MDR 701902 (Medtronic MiniMed, QMS, version 5): covers the MiniMed 780G and the Guardian 4.
const MINIMED = { key: '2797:MDR 701902', uuid: 'ddd31b40-39f5-4389-b2ba-32e38703b7f6' };
const SOURCES = ['eudamed-devices', 'eudamed-certificates'];

function detailRequests(): string[] {
  return h.server.hits
    .map((hit) => new URL(hit.path, 'http://x').pathname)
    .filter((p) => p.includes('/api/certificates/') && !p.includes('/search'))
    .map((p) => p.slice(p.lastIndexOf('/') + 1));
}

async function certificate(key: string): Promise<{ version: string; facts: CertificateFacts | undefined }> {
  const [row] = await h.query<{ source_version: string; data: { certificate?: CertificateFacts } }>(
    `select source_version, data from source_items where source_id = 'eudamed-certificates' and item_key = $1`,
    [key],
  );
  return { version: row!.source_version, facts: row!.data.certificate };
}

/** The trade names of the EUDAMED registrations on the candidates a certificate is evidence for. */
async function coveredDevices(key: string): Promise<string[]> {
  const rows = await h.query<{ title: string }>(
    `select distinct d.title from source_items c
       join evidence ec on ec.item_id = c.id
       join evidence ed on ed.candidate_id = ec.candidate_id
       join source_items d on d.id = ed.item_id and d.source_id = 'eudamed-devices'
     where c.source_id = 'eudamed-certificates' and c.item_key = $1 order by d.title`,
    [key],
  );
  return rows.map((row) => row.title);
}

describe('EUDAMED certificate details', () => {
  it('reads the detail of every listed certificate and links it to the devices it covers', async () => {
    h.server.hits.length = 0;
    const summary = await h.scan(SOURCES);
    const certificates = summary.sources.find((s) => s.source_id === 'eudamed-certificates');
    // Two search pages and ten details; an item per certificate (listed, then completed).
    expect(certificates).toMatchObject({ status: 'ok', pages: 12, items_new: 10 });
    expect(detailRequests()).toHaveLength(10);
    // The thirteen registered devices, and the Dexcom G7 15 Day, certified before its registration.
    expect(summary.candidatesNew).toBe(14);

    expect((await certificate(MINIMED.key)).facts?.scopes?.map((s) => s.name)).toEqual([
      'MiniMed 780G Insulin Pump System',
      'Guardian 4 Sensor',
    ]);
    expect(await coveredDevices(MINIMED.key)).toEqual([
      'Guardian 4 Sensor',
      'MiniMed 780G Insulin Pump System',
    ]);
    expect(await coveredDevices('0123:V1 119845 0004 Rev. 00')).toEqual(['Afinion HbA1c']);
    // Every certificate is evidence somewhere; each certified device's candidate has a certificate.
    const unlinked = await h.query(
      `select i.item_key from source_items i where i.source_id = 'eudamed-certificates'
         and not exists (select 1 from evidence e where e.item_id = i.id)`,
    );
    expect(unlinked).toEqual([]);
  });

  it('reads no detail again while the listing shows the same versions, and keeps what they said', async () => {
    h.server.hits.length = 0;
    const summary = await h.scan(SOURCES);
    expect(summary.sources.find((s) => s.source_id === 'eudamed-certificates')).toMatchObject({
      status: 'unchanged',
      pages: 2,
      items_new: 0,
      items_changed: 0,
    });
    expect(detailRequests()).toEqual([]);
    expect((await certificate(MINIMED.key)).facts?.scopes).toHaveLength(2);
  });

  it('reads the detail of a new version, and of a certificate whose detail failed at the next scan', async () => {
    const dir = path.join(h.fixturesDir, 'eudamed-certificates');
    const listing = path.join(dir, 'page-1.json');
    const page = JSON.parse(readFileSync(listing, 'utf8')) as {
      content: Array<{ uuid: string; versionNumber: number }>;
    };
    page.content.find((hit) => hit.uuid === MINIMED.uuid)!.versionNumber = 6;
    writeFileSync(listing, JSON.stringify(page, null, 1));
    const detailFile = path.join(dir, `detail-${MINIMED.uuid}.json`);
    writeFileSync(
      detailFile,
      readFileSync(detailFile, 'utf8').replace('"versionNumber" : 5', '"versionNumber" : 6'),
    );
    // Another certificate's detail is away this night (404).
    const dexcom = 'd6d52da2-24de-4415-9706-fa2739bfe7ca';
    const away = path.join(dir, `detail-${dexcom}.meta.json`);
    renameSync(away, `${away}.away`);
    const dexcomVersion = page.content.find((hit) => hit.uuid === dexcom)!;
    dexcomVersion.versionNumber = 3;
    writeFileSync(listing, JSON.stringify(page, null, 1));

    h.server.hits.length = 0;
    const failed = await h.scan(SOURCES);
    expect(failed.sources.find((s) => s.source_id === 'eudamed-certificates')).toMatchObject({
      status: 'failed',
      error_kind: 'http-4xx',
    });
    expect(detailRequests().sort()).toEqual([dexcom, MINIMED.uuid].sort());
    expect(await certificate(MINIMED.key)).toMatchObject({ version: '6' });
    // The listing did not replace what the last detail said.
    expect((await certificate('2797:MDR 742118')).facts?.scopes).toHaveLength(2);

    renameSync(`${away}.away`, away);
    h.server.hits.length = 0;
    const retried = await h.scan(SOURCES);
    expect(retried.sources.find((s) => s.source_id === 'eudamed-certificates')).toMatchObject({
      status: 'ok',
    });
    expect(detailRequests()).toEqual([dexcom]);
  });
});
