import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CurationStaleError, mergeAs, splitAs } from '../../src/app/curation.js';
import { bearer, createWorld } from './world.js';
import type { World } from './world.js';

// Acting on a page read before a change: a decision on a merged candidate, a merge or split on an
// older version of the candidate — refused, nothing recorded.
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

  it('refuses a merge or split whose page version is older than the row, under the row lock', async () => {
    const [account] = await w.h.query<{ id: string }>('select id from users where username = $1', [
      w.accounts.reviewer.username,
    ]);
    const actor = { id: account!.id, name: w.accounts.reviewer.username, role: 'reviewer' };
    const stale = new Date(Date.now() - 86_400_000).toISOString();
    await expect(
      mergeAs(w.ctx, {
        survivorId: w.seeded.libre.id,
        absorbedId: w.seeded.optune.id,
        actor,
        reason: 'test',
        clientRequestId: randomUUID(),
        expectedVersion: stale,
      }),
    ).rejects.toBeInstanceOf(CurationStaleError);
    await expect(
      splitAs(w.ctx, {
        candidateId: w.seeded.libre.id,
        itemIds: [1],
        actor,
        reason: 'test',
        clientRequestId: randomUUID(),
        expectedVersion: stale,
      }),
    ).rejects.toBeInstanceOf(CurationStaleError);
    expect(
      await w.h.query('select 1 from resolution_log where candidate_id = $1', [w.seeded.libre.id]),
    ).toHaveLength(0);
  });
});
