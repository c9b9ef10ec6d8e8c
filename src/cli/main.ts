// The `horisont` executable: everything lives in program.ts so tests can build it in-process.
import { main } from './program.js';

await main(process.argv);
