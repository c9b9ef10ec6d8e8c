import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv as parseDotenv } from 'node:util';
import { InvalidArgumentError } from 'commander';

/**
 * `horisont --env-file FILE`: variables from a dotenv file, over the process's own, so a file such
 * as the demo's (var/demo/horisont.env) puts every later command in that world: its schema,
 * queue prefix, servers and report directory together, never half of them.
 */
export function applyEnvFile(file: string, target: NodeJS.ProcessEnv = process.env): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError(
      `--env-file: kan inte läsa ${file} / cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  Object.assign(target, parseDotenv(text));
}

/** Writes a dotenv file the `--env-file` option reads back; values are plain tokens (URLs, names, paths). */
export function writeEnvFile(file: string, vars: Record<string, string>, comments: string[] = []): void {
  for (const [key, value] of Object.entries(vars)) {
    if (/[\s"'#\\]/.test(value)) {
      throw new Error(`env file: ${key} holds characters the file cannot carry plain`);
    }
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    [...comments.map((line) => `# ${line}`), ...Object.entries(vars).map(([k, v]) => `${k}=${v}`), ''].join(
      '\n',
    ),
  );
}
