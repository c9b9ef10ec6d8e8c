/**
 * `bench/run.ts`'s helper: `create <n>` generates a scale world (bench/lib/scale-world.ts) and
 * prints it as JSON; `drop <schema>` removes one.
 */
import { createScaleWorld, dropScaleWorld } from './scale-world.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const [command, argument] = process.argv.slice(2);
if (command === 'create') {
  process.stdout.write(`${JSON.stringify(await createScaleWorld(DATABASE_URL, Number(argument)))}\n`);
} else if (command === 'drop' && argument !== undefined) {
  await dropScaleWorld(DATABASE_URL, argument);
} else {
  throw new Error('usage: scale-world-child.ts create <candidates> | drop <schema>');
}
