import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeAs } from '../../src/app/curation.js';
import { bearer, createWorld } from './world.js';
import type { World } from './world.js';

// A decision taken on a page read before a merge: refused with 409 and the candidate it belongs on.
let w: World;

beforeAll(async () => {
  w = await createWorld({}, { sources: true });
});
afterAll(async () => {
  await w?.close();
});

describe('a candidate merged into another', () => {
  it('refuses a decision with 409, names the surviving candidate and records nothing', async () => {
    const survivor = w.seeded.minimed.id;
    const absorbed = w.seeded.foundation.id;
    const reviewer = w.accounts.reviewer;
    const [account] = await w.h.query<{ id: string }>('select id from users where username = $1', [
      reviewer.username,
    ]);
    await mergeAs(w.ctx, {
      survivorId: survivor,
      absorbedId: absorbed,
      actor: { id: account!.id, name: reviewer.username, role: 'reviewer' },
      reason: 'test',
      clientRequestId: randomUUID(),
    });
    const response = await w.app.inject({
      method: 'POST',
      url: `/api/candidates/${absorbed}/decisions`,
      headers: bearer(reviewer),
      payload: { action: 'watch', version: 0, clientRequestId: randomUUID() },
    });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({
      error: {
        code: 'version_conflict',
        message: expect.stringMatching(/slagits ihop/),
        details: { mergedInto: survivor },
      },
    });
    expect(await w.h.query('select 1 from decisions where candidate_id = $1', [absorbed])).toHaveLength(0);
  });
});
