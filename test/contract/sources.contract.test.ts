import { RECORDINGS_DIR } from '../../src/fixtures/documents.js';
import { ADAPTERS_DIR, loadAdapters } from '../../src/sources/index.js';
import { describeSourceContract } from './source-contract.js';

/** Every adapter the registry finds against its recordings in demo/fixtures. */
describeSourceContract({
  adapters: await loadAdapters(),
  adaptersDir: ADAPTERS_DIR,
  recordingsDir: RECORDINGS_DIR,
});
