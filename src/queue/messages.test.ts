import { describe, expect, it } from 'vitest';
import { Messages } from './messages.js';

const runId = '01a25155-04f4-74c3-94ae-37d65e9fbd16';
const candidate = '01a25155-05e8-7824-895c-1a67a3408083';

describe('score messages', () => {
  it('carry a page of candidates', () => {
    expect(Messages.score.parse({ runId, candidateIds: [candidate] })).toEqual({
      runId,
      candidateIds: [candidate],
    });
    expect(Messages.score.safeParse({ runId, candidateIds: [] }).success).toBe(false);
  });

  it('read a job queued by a version that scored one candidate a job as a page of one', () => {
    expect(Messages.score.parse({ runId, candidateId: candidate })).toEqual({
      runId,
      candidateIds: [candidate],
    });
  });
});
