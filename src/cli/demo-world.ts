import path from 'node:path';

/** The demo's world in one file: `npx horisont --env-file var/demo/horisont.env …` joins it. */
export const DEMO_ENV_FILE = path.join('var', 'demo', 'horisont.env');

/** A command in the demo's world, as printed for people to copy. */
export function demoCommand(args: string): string {
  return `npx horisont --env-file ${DEMO_ENV_FILE} ${args}`;
}
