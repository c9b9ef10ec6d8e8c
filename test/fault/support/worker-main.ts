// The `horisont` executable as the fault tests start it: the production program with the
// barriers of HORISONT_TEST_BARRIER as its commit hook. Refused outside NODE_ENV=test.
import { main } from '../../../src/cli/program.js';
import { assertBarrierAllowed, envBarrier } from './barrier.js';

assertBarrierAllowed();
await main(process.argv, { commitHook: envBarrier });
