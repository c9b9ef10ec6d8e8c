import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// `npm ci` on a clean clone rejects a lockfile missing optional platform entries (see
// scripts/lockfile-platform-entries.mjs); an `npm install` here silently drops them.
describe('package-lock.json', () => {
  it('keeps the optional msgpackr-extract platform entries npm ci needs', () => {
    const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as {
      packages: Record<string, unknown>;
    };
    for (const platform of [
      'darwin-arm64',
      'darwin-x64',
      'linux-arm',
      'linux-arm64',
      'linux-x64',
      'win32-x64',
    ]) {
      expect(
        lock.packages,
        `run: node scripts/lockfile-platform-entries.mjs package-lock.json`,
      ).toHaveProperty([`node_modules/@msgpackr-extract/msgpackr-extract-${platform}`]);
    }
  });
});
