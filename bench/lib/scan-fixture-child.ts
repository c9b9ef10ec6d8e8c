/**
 * The W5 fixture servers in a process of their own, driven over IPC by `ScanFixtureProcess`
 * (scan-fixture.ts). The servers record when each request arrives and W5d judges the client's
 * per-host spacing by those times, so they must not share an event loop with the system under
 * test: in the bench process a busy loop would see requests late and measure its own lag.
 * Exits when the parent disconnects (after `close`, or when the parent dies), so no servers are
 * left behind.
 */
import { ScanFixture } from './scan-fixture.js';
import type { FixtureReply, FixtureRequest } from './scan-fixture.js';

let fixture: ScanFixture | undefined;

function need(): ScanFixture {
  if (!fixture) throw new Error('not started');
  return fixture;
}

async function handle(request: FixtureRequest): Promise<unknown> {
  switch (request.op) {
    case 'start': {
      if (fixture) throw new Error('already started');
      fixture = new ScanFixture(request.sources, request.shape, request.seed);
      await fixture.start();
      fixture.prepare(1);
      fixture.prepare(2);
      return [...fixture.origins];
    }
    case 'phase':
      need().phase = request.phase;
      return null;
    case 'served':
      return need().served(request.phase);
    case 'hits':
      return need().hits;
    case 'close':
      await fixture?.close();
      return null;
  }
}

function reply(message: FixtureReply): void {
  if (process.connected) process.send!(message);
}

process.on('message', (request: FixtureRequest) => {
  handle(request).then(
    (value) => reply({ id: request.id, ok: true, value }),
    (error: unknown) => reply({ id: request.id, ok: false, error: String(error) }),
  );
});
process.once('disconnect', () => process.exit(0));
