import { Command, InvalidArgumentError } from 'commander';
import { parseEnv, EnvError } from '../env.js';
import { ConfigError } from '../config/load.js';
import { loadAppConfig } from '../app/build.js';
import { SelfCheckError } from '../app/self-check.js';
import type { CommitHook } from '../queue/pipeline.js';
import { UnknownSourceError } from '../app/scan-once.js';
import { applyEnvFile } from './env-file.js';
import { registerTriageCommands } from './triage-commands.js';
import { registerWorkbenchCommands } from './workbench-commands.js';
import { registerSourcesCommands } from './sources-commands.js';
import { registerAlertCommands } from './alert-commands.js';
import { registerOpsCommands } from './ops-commands.js';
import { registerResolutionCommands } from './resolution-commands.js';
import { registerCaseCommands } from './case-commands.js';
import { configDirOf } from './with-app.js';
import { ServiceUnreachableError } from '../app/reachability.js';
import { AccountError } from '../app/accounts.js';
import { registerHoldCommands } from './holds-commands.js';
import { useSwedishHelp } from './help.js';
import { NotFoundError } from './errors.js';
import { registerServiceCommands } from './service-commands.js';
import { registerRunCommands } from './run-commands.js';
import { registerCandidateCommands } from './candidate-commands.js';
import { registerDemoCommands } from './demo-commands.js';

/** What a test's entry point hands the program; production passes nothing. */
export interface ProgramHooks {
  /** `horisont start`'s workers await it at each point of a job's commit (the fault tests' barriers). */
  commitHook?: CommitHook;
}

export function buildProgram(hooks: ProgramHooks = {}): Command {
  const program = useSwedishHelp(new Command('horisont'))
    .description('Horisontspaning av nya medicintekniska produkter och läkemedel för ordnat införande')
    .option('--config <dir>', 'konfigurationskatalog (standard: $HORISONT_CONFIG_DIR eller ./config)')
    .option('--env-file <file>', 'läs miljövariabler från den här filen först (t.ex. var/demo/horisont.env)')
    .showHelpAfterError()
    .hook('preAction', (command) => {
      const { envFile } = command.opts<{ envFile?: string }>();
      if (envFile !== undefined) applyEnvFile(envFile);
    });

  registerServiceCommands(program, hooks.commitHook);
  registerRunCommands(program);
  registerCandidateCommands(program);
  registerSourcesCommands(program);
  registerDemoCommands(program);

  program
    .command('check-config')
    .description('kontrollera konfigurationen och avsluta (2 när den är ogiltig)')
    .action(async () => {
      const config = await loadAppConfig(parseEnv(), configDirOf(program).configDir);
      console.log(
        `Konfigurationen är giltig: ${config.sources.length} källor, kriterier version ${config.criteria.version}.`,
      );
    });

  registerWorkbenchCommands(program);
  registerResolutionCommands(program);
  registerHoldCommands(program);
  registerCaseCommands(program);
  registerAlertCommands(program);
  registerTriageCommands(program);
  registerOpsCommands(program);
  return program;
}

export async function main(argv: string[], hooks: ProgramHooks = {}): Promise<void> {
  try {
    await buildProgram(hooks).parseAsync(argv);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof EnvError || error instanceof SelfCheckError) {
      console.error(error.message);
      process.exitCode = 2;
      return;
    }
    if (
      error instanceof UnknownSourceError ||
      error instanceof InvalidArgumentError ||
      error instanceof NotFoundError ||
      error instanceof ServiceUnreachableError ||
      error instanceof AccountError
    ) {
      console.error(error.message);
      process.exitCode = 2;
      return;
    }
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
