// The npm registry reachable here lacks msgpackr-extract's macOS/Windows/arm builds, so `npm
// install` writes a lockfile without their (optional) entries and `npm ci` then refuses it as out
// of sync. This adds the missing optional entries; run it after any `npm install`:
//   node scripts/lockfile-platform-entries.mjs package-lock.json
import fs from 'node:fs';
const file = process.argv[2];
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const platforms = {
  'darwin-arm64': ['darwin', 'arm64'],
  'darwin-x64': ['darwin', 'x64'],
  'linux-arm': ['linux', 'arm'],
  'win32-x64': ['win32', 'x64'],
};
const entries = Object.entries(lock.packages);
const out = {};
for (const [key, value] of entries) {
  out[key] = value;
  if (key === 'node_modules/@msgpackr-extract/msgpackr-extract-linux-arm64') {
    for (const [name, [os, cpu]] of Object.entries(platforms)) {
      const k = `node_modules/@msgpackr-extract/msgpackr-extract-${name}`;
      if (!lock.packages[k]) {
        out[k] = { version: '3.0.7', cpu: [cpu], license: 'MIT', optional: true, os: [os] };
      }
    }
  }
}
lock.packages = Object.fromEntries(
  Object.entries(out).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
