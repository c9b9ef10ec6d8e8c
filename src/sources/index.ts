import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SourceAdapter } from './types.js';

/**
 * Every adapter, by id.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- options differ per adapter; config loading validates them with each adapter's own schema
export type AdapterRegistry = Readonly<Record<string, SourceAdapter<any>>>;

/** One module per adapter, named as its id, the adapter its default export; tests beside them. */
export const ADAPTERS_DIR = fileURLToPath(new URL('./adapters/', import.meta.url));

/** `<id>.ts` (sources) or `<id>.js` (compiled); not `<id>.test.ts`, `.d.ts` or source maps. */
const ADAPTER_FILE = /^([a-z0-9]+(?:-[a-z0-9]+)*)\.[jt]s$/;

function isAdapter(value: unknown): value is SourceAdapter<unknown> {
  const candidate = value as Partial<SourceAdapter<unknown>> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.id === 'string' &&
    typeof candidate.requests === 'function' &&
    typeof candidate.parse === 'function' &&
    Array.isArray(candidate.sources)
  );
}

/**
 * Reads the adapters from `dir` at startup: adding a source is adding its module there, with no
 * list to extend. Refuses a module without an adapter as its default export, or whose adapter's
 * id differs from its file name, naming the file.
 */
export async function loadAdapters(dir: string = ADAPTERS_DIR): Promise<AdapterRegistry> {
  const files = (await readdir(dir)).filter((name) => ADAPTER_FILE.test(name)).sort();
  const loaded = await Promise.all(
    files.map(async (file) => {
      const module = (await import(pathToFileURL(path.join(dir, file)).href)) as { default?: unknown };
      const adapter = module.default;
      const id = ADAPTER_FILE.exec(file)![1]!;
      if (!isAdapter(adapter)) {
        throw new Error(`${path.join(dir, file)}: no source adapter as its default export`);
      }
      if (adapter.id !== id) {
        throw new Error(`${path.join(dir, file)}: adapter id "${adapter.id}" differs from the file name`);
      }
      return adapter;
    }),
  );
  const registry: Record<string, SourceAdapter<unknown>> = {};
  for (const adapter of loaded) {
    if (Object.hasOwn(registry, adapter.id)) {
      throw new Error(`${dir}: two modules of adapter "${adapter.id}"`);
    }
    registry[adapter.id] = adapter;
  }
  return registry;
}
