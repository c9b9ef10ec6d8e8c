import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Replaces the EUDAMED device recordings in a test's fixture copy with `pages` pages of
 * `pageSize` synthetic devices each (valid GTIN-14 UDI-DIs), served at the URLs the adapter asks
 * for with the demo configuration's page size.
 */
export const EUDAMED_DEVICES_URL = 'https://ec.europa.eu/tools/eudamed/api/devices/udiDiData';

function gtin14(body13: string): string {
  const digits = body13.split('').map(Number);
  // GS1: weights 3,1,3,… from the rightmost digit of the body.
  const sum = digits.reverse().reduce((acc, digit, index) => acc + digit * (index % 2 === 0 ? 3 : 1), 0);
  return `${body13}${(10 - (sum % 10)) % 10}`;
}

export function writeEudamedPages(fixturesDir: string, pages: number, pageSize = 5): void {
  const dir = path.join(fixturesDir, 'eudamed-devices');
  for (const name of readdirSync(dir)) {
    if (/^page-\d+\.(json|meta\.json)$/.test(name)) rmSync(path.join(dir, name));
  }
  for (let page = 0; page < pages; page++) {
    const content = Array.from({ length: pageSize }, (_unused, index) => {
      const n = page * pageSize + index;
      const serial = String(n).padStart(6, '0');
      return {
        uuid: `00000000-0000-4000-8000-${serial.padStart(12, '0')}`,
        primaryDi: gtin14(`0759${'0'.repeat(3)}${serial}`),
        basicUdi: `7590BACKFILL${serial}`,
        tradeName: `Backfill sensor ${serial}`,
        manufacturerName: 'Backfill Medical AB',
        manufacturerSrn: 'SE-MF-000099999',
        riskClass: { code: 'refdata.risk-class.class-iia' },
        deviceStatusType: { code: 'refdata.device-model-status.on-the-market' },
        latestVersion: true,
        versionNumber: 1,
        lastUpdateDate: '2026-10-01T10:00:00.000',
        reference: `BF-${serial}`,
        applicableLegislation: { code: 'refdata.applicable-legislation.mdr' },
      };
    });
    const body = {
      content,
      number: page,
      size: pageSize,
      totalElements: pages * pageSize,
      totalPages: pages,
      last: page === pages - 1,
      first: page === 0,
      numberOfElements: pageSize,
      sort: [],
    };
    writeFileSync(path.join(dir, `page-${page}.json`), JSON.stringify(body));
    writeFileSync(
      path.join(dir, `page-${page}.meta.json`),
      JSON.stringify({
        url: `${EUDAMED_DEVICES_URL}?page=${page}&size=${pageSize}&pageSize=${pageSize}&iso2Code=en&languageIso2Code=en`,
        status: 200,
        headers: { 'content-type': 'application/json' },
      }),
    );
  }
}

/** How often each EUDAMED device page was requested, from the fixture server's hit log. */
export function pageHits(hits: ReadonlyArray<{ path: string }>): Map<number, number> {
  const counts = new Map<number, number>();
  for (const hit of hits) {
    const url = new URL(hit.path, 'http://fixture.invalid');
    if (!url.pathname.endsWith('/api/devices/udiDiData')) continue;
    const page = Number(url.searchParams.get('page'));
    counts.set(page, (counts.get(page) ?? 0) + 1);
  }
  return counts;
}
