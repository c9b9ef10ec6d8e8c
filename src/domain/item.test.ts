import { describe, expect, it } from 'vitest';
import { ItemKind, RawItem } from './item.js';
import { ITEM_KIND_LABELS } from './labels.js';

describe('ItemKind', () => {
  it('covers device, IVD, drug, method/procedure, guidance, safety notice and trial', () => {
    expect(ItemKind.options).toEqual(
      expect.arrayContaining(['device', 'ivd', 'drug', 'method', 'guidance', 'safety-notice', 'trial']),
    );
  });

  it('has a Swedish label for every kind', () => {
    for (const kind of ItemKind.options) expect(ITEM_KIND_LABELS[kind]).toMatch(/\p{L}/u);
  });

  it.each(['procedure', 'Device', 'safety notice', ''])('refuses %j', (kind) => {
    expect(RawItem.safeParse({ itemKey: 'k', kind, title: 't', url: 'https://example.org/' }).success).toBe(
      false,
    );
  });
});
