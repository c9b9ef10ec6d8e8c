import type { Command } from 'commander';
import path from 'node:path';
import { DEFAULT_CONFIG_DIR } from '../config/load.js';
import { startFixtureServer } from '../fixtures/server.js';
import { RECORDINGS_DIR } from '../fixtures/documents.js';
import { runDemo } from './demo.js';

/** The recorded answers served, and the demo that scans them without network. */
export function registerDemoCommands(program: Command): void {
  const fixtures = program.command('fixtures').description('inspelade källsvar för skanningar utan nätverk');
  fixtures
    .command('serve')
    .description('servera de inspelade svaren på 127.0.0.1 tills den avbryts')
    .option('--port <port>', 'port (0 = valfri ledig)', (v) => Number(v), 4870)
    .option('--root <dir>', 'katalog med inspelade svar', RECORDINGS_DIR)
    .action(async (options: { port: number; root: string }) => {
      const server = await startFixtureServer({ root: path.resolve(options.root), port: options.port });
      console.log(`Fixturer serveras på ${server.origin}`);
      console.log(
        `Skanna mot dem med HORISONT_FIXTURE_ORIGIN=${server.origin} horisont --config config/demo scan --once`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await server.close();
    });

  program
    .command('demo')
    .description(
      'demo utan nätverk: migrera, servera de inspelade svaren, skanna dem två gånger, visa rangordnade kandidater och rapporter',
    )
    .option('--serve', 'kör sedan arbetsytan på demons data tills den avbryts')
    .action(async (options: { serve?: boolean }) => {
      await runDemo({
        fixturesDir: RECORDINGS_DIR,
        configDir: path.join(DEFAULT_CONFIG_DIR, 'demo'),
        serve: options.serve === true,
      });
    });
}
