import type { ProgressListener } from '../app/scan-once.js';

/**
 * Progress for long CLI work: a bar redrawn in place on a terminal, and plain lines (at most one
 * every few seconds) when output goes to a file or a CI log.
 */
export function progressReporter(
  label: string,
  unit = 'jobb',
  stream: NodeJS.WriteStream = process.stderr,
): {
  update: ProgressListener;
  done(): void;
} {
  let lastLine = 0;
  let drawn = false;
  return {
    update(done, total) {
      if (stream.isTTY) {
        const width = 30;
        const filled = total === 0 ? 0 : Math.round((done / total) * width);
        stream.write(
          `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${unit}`,
        );
        drawn = true;
      } else if (Date.now() - lastLine > 5000 || (done === total && total > 0)) {
        lastLine = Date.now();
        stream.write(`${label}: ${done}/${total} ${unit} klara\n`);
      }
    },
    done() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
