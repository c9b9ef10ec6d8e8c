/**
 * W6's measured side, in a process of its own (its own heap and peak RSS, and W6 can stop it):
 * what `horisont rescore` runs — the database and configuration as the CLI opens them
 * (`openDb`, `loadAppConfig` from HORISONT_CONFIG_DIR) and `rescoreAll` (src/app/rescore.ts).
 * Prints `{"event":"start",…}` when it calls `rescoreAll` and `{"event":"done",…}` after it.
 */
import { loadAppConfig, openDb } from '../../src/app/build.js';
import { rescoreAll } from '../../src/app/rescore.js';
import { BENCH_AS_OF } from './scale-world.js';
import { parseEnv } from '../../src/env.js';
import { createLogger } from '../../src/log.js';

const env = parseEnv();
const log = createLogger('warn');
const config = await loadAppConfig(env);
const db = openDb(env, log, process.env.BENCH_APP_NAME ?? 'bench-w6-rescore');
try {
  await db.query('select 1');
  const cpu0 = process.cpuUsage();
  const startedAt = Date.now();
  process.stdout.write(`${JSON.stringify({ event: 'start', at: startedAt })}\n`);
  const result = await rescoreAll(db, config, BENCH_AS_OF, log);
  const endedAt = Date.now();
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(
    `${JSON.stringify({
      event: 'done',
      at: endedAt,
      seconds: (endedAt - startedAt) / 1000,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      candidates: result.candidates,
      changed: result.changed,
      ranked: result.ranking.length,
      moved: result.ranking.filter((r) => r.rankChange !== null && r.rankChange !== 0).length,
      criteriaVersion: result.criteriaVersion,
      timings: result.timings,
    })}\n`,
  );
} finally {
  await db.end();
}
