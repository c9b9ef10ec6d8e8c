import { describe, expect, it } from 'vitest';
import { itemEvents, observedStatus } from './history.js';
import type { RawItem } from './item.js';

const base: RawItem = { itemKey: 'k', kind: 'news', title: 'T', url: 'https://example.org/x' };

describe('itemEvents', () => {
  it('reads a certificate, an HTA report and a safety notice as events dated by the source', () => {
    expect(itemEvents({ ...base, kind: 'certificate', publishedAt: '2026-03-02' }, undefined)).toMatchObject([
      { kind: 'certificate-issued', occurredOn: '2026-03-02' },
    ]);
    expect(itemEvents({ ...base, kind: 'hta-report' }, undefined).map((e) => e.kind)).toEqual([
      'hta-published',
    ]);
    expect(itemEvents({ ...base, kind: 'safety-notice' }, undefined).map((e) => e.kind)).toEqual([
      'safety-notice',
    ]);
    expect(itemEvents(base, undefined)).toEqual([]);
  });

  it('tells a trial started and completed from its status, once per status', () => {
    const trial: RawItem = { ...base, kind: 'trial', summary: 'Status: RECRUITING. Sites: Lund.' };
    expect(observedStatus(trial)).toBe('RECRUITING');
    expect(itemEvents(trial, undefined).map((e) => e.kind)).toEqual(['trial-started']);
    expect(itemEvents(trial, 'RECRUITING')).toEqual([]);
    const done = { ...trial, summary: 'Status: COMPLETED.' };
    expect(itemEvents(done, 'RECRUITING').map((e) => e.kind)).toEqual(['trial-completed']);
    expect(itemEvents({ ...trial, summary: 'Status: WITHDRAWN.' }, 'RECRUITING')).toEqual([]);
  });

  it('records a registry status change, not a first sighting', () => {
    const device: RawItem = {
      ...base,
      kind: 'device',
      updatedAt: '2026-05-01T10:00:00Z',
      product: { tradeName: 'X', marketStatus: 'no-longer-placed-on-the-market' },
    };
    expect(itemEvents(device, undefined)).toEqual([]);
    expect(itemEvents(device, 'on-the-market')).toMatchObject([
      {
        kind: 'status-changed',
        occurredOn: '2026-05-01',
        details: { from: 'on-the-market', to: 'no-longer-placed-on-the-market' },
      },
    ]);
  });
});
