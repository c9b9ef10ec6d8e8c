import { startLocalPostgres } from '../../src/app/local-servers.js';
import type { LocalPostgres, LocalPostgresSettings } from '../../src/app/local-servers.js';

/**
 * A PostgreSQL server of the test's own (durable settings: a crash-stop must lose no committed
 * transaction, or the queue would hold jobs for rows the database forgot), in a temporary data
 * directory on a free loopback port, so fault tests can stop, crash and restart it without
 * touching the machine's cluster. As root (CI, this machine) the server runs as the `postgres`
 * user, as PostgreSQL insists.
 */
export type OwnPostgres = LocalPostgres;

export async function startOwnPostgres(settings: LocalPostgresSettings = {}): Promise<OwnPostgres> {
  return startLocalPostgres(undefined, settings);
}
