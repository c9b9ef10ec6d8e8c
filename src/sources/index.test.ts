import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ADAPTERS_DIR, loadAdapters } from './index.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'horisont-adapters-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('adapter registry', () => {
  it('finds every adapter module of its directory, each under its own id', async () => {
    const adapters = await loadAdapters();
    expect(Object.keys(adapters)).toEqual(
      expect.arrayContaining(['eudamed-devices', 'sbu-publications', 'tlv']),
    );
    for (const [id, adapter] of Object.entries(adapters)) expect(adapter.id).toBe(id);
    // Tests beside the adapters are no adapters.
    expect(Object.keys(adapters).some((id) => id.includes('test'))).toBe(false);
    expect(ADAPTERS_DIR.endsWith(`${path.sep}adapters${path.sep}`)).toBe(true);
  });

  it('refuses a module without an adapter, or whose adapter is named otherwise, naming the file', async () => {
    const dir = mkdtempSync(path.join(scratch, 'bad-'));
    writeFileSync(path.join(dir, 'not-an-adapter.ts'), 'export default { id: "not-an-adapter" };\n');
    await expect(loadAdapters(dir)).rejects.toThrow(
      /not-an-adapter\.ts: no source adapter as its default export/,
    );
    const other = mkdtempSync(path.join(scratch, 'renamed-'));
    writeFileSync(
      path.join(other, 'renamed.ts'),
      'export default { id: "original", sources: [], requests: () => [], parse: () => ({ items: [] }) };\n',
    );
    await expect(loadAdapters(other)).rejects.toThrow(
      /renamed\.ts: adapter id "original" differs from the file name/,
    );
  });
});
