import { describe, expect, it } from 'vitest';
import { identitiesOf } from './identity.js';
import type { RawItem } from './item.js';

function item(overrides: Partial<RawItem> & Pick<RawItem, 'kind' | 'title'>): RawItem {
  return { itemKey: 'key-1', url: 'https://example.org/item', ...overrides };
}

describe('identitiesOf', () => {
  it('keys a registry item by UDI-DI, Basic UDI-DI and product name', () => {
    const ids = identitiesOf(
      'eudamed-devices',
      item({
        kind: 'device',
        title: 'FreeStyle Libre 3 Sensor',
        product: {
          tradeName: 'FreeStyle Libre® 3 Sensor',
          manufacturer: 'Abbott Diabetes Care Ltd',
          udiDi: '(01)05021791005734',
          basicUdiDi: '5021791fsl3cgmml',
          riskClass: 'refdata.risk-class.class-iib',
          legislation: 'mdr',
        },
      }),
    );
    expect(ids).toEqual([
      {
        keys: [
          { scheme: 'udi-di', value: '05021791005734' },
          { scheme: 'basic-udi-di', value: '5021791FSL3CGMML' },
          { scheme: 'product', value: 'freestyle libre 3' },
        ],
        candidateKind: 'device',
        displayName: 'FreeStyle Libre® 3 Sensor',
        keyText: 'FreeStyle Libre® 3 Sensor',
        reason: 'UDI-DI 05021791005734 i registret',
        manufacturer: 'Abbott Diabetes Care Ltd',
      },
    ]);
  });

  it('drops an invalid UDI-DI but keeps the other keys', () => {
    const [id] = identitiesOf(
      'eudamed-devices',
      item({
        kind: 'device',
        title: 'Optune',
        product: { tradeName: 'Optune', udiDi: '07640150032113', basicUdiDi: '7640150OPTUNE2R' },
      }),
    );
    expect(id?.keys).toEqual([
      { scheme: 'basic-udi-di', value: '7640150OPTUNE2R' },
      { scheme: 'product', value: 'optune' },
    ]);
    expect(id?.reason).toBe('Basic UDI-DI 7640150OPTUNE2R i registret');
  });

  const kinds: [
    name: string,
    product: NonNullable<RawItem['product']>,
    kind: RawItem['kind'],
    expected: string,
  ][] = [
    ['IVDR legislation', { tradeName: 'Afinion HbA1c', legislation: 'ivdr' }, 'device', 'ivd'],
    [
      'IVD risk class',
      { tradeName: 'Afinion HbA1c', riskClass: 'refdata.risk-class.class-c' },
      'device',
      'ivd',
    ],
    ['IVD item kind', { tradeName: 'Afinion HbA1c' }, 'ivd', 'ivd'],
    [
      'MDR device',
      { tradeName: 'Optune', riskClass: 'refdata.risk-class.class-iii', legislation: 'mdr' },
      'device',
      'device',
    ],
    ['drug item', { tradeName: 'Wegovy' }, 'drug', 'drug'],
    ['trial intervention', { tradeName: 'MiniMed 780G' }, 'trial', 'device'],
  ];
  it.each(kinds)('kind from product facts: %s', (_name, product, kind, expected) => {
    expect(identitiesOf('s', item({ kind, title: product.tradeName, product }))[0]?.candidateKind).toBe(
      expected,
    );
  });

  it('says where structured product facts come from when the item is not a register record', () => {
    const [id] = identitiesOf(
      'clinicaltrials',
      item({ kind: 'trial', title: 'A trial', product: { tradeName: 'Optune' } }),
    );
    expect(id?.reason).toBe('produktnamnet ”Optune” i källans strukturerade uppgifter');
  });

  it('maps a regional HTA title mentioning a product to that product', () => {
    const ids = identitiesOf(
      'sbu-publications',
      item({
        kind: 'hta-report',
        title: 'Kontinuerlig glukosmätning med FreeStyle Libre 3 vid typ 2-diabetes',
        summary: 'Utvärdering av FreeStyle Libre 3 jämfört med kapillär blodsockermätning.',
        region: 'HTA-centrum Västra Götalandsregionen',
      }),
    );
    expect(ids).toEqual([
      {
        keys: [{ scheme: 'product', value: 'freestyle libre 3' }],
        candidateKind: 'device',
        // An HTA report may name a drug as well as a device: the kind is not stated.
        kindStated: false,
        displayName: 'FreeStyle Libre 3',
        keyText: 'FreeStyle Libre 3',
        reason: 'produktnamn nämns i titeln: ”FreeStyle Libre 3”',
      },
    ]);
  });

  it('does not make comparators in the summary into candidates when the title names the product', () => {
    const ids = identitiesOf(
      'tlv',
      item({
        kind: 'hta-report',
        title: 'Hälsoekonomisk bedömning av FreeStyle Libre 3 vid typ 1-diabetes',
        summary: 'TLV har bedömt FreeStyle Libre 3 jämfört med FreeStyle Libre 2 hos vuxna.',
      }),
    );
    expect(ids.map((i) => i.displayName)).toEqual(['FreeStyle Libre 3']);
  });

  it('falls back to the summary when the title names no product', () => {
    const ids = identitiesOf(
      'tlv',
      item({
        kind: 'news',
        title: 'Ny bedömning inledd',
        summary: 'TLV ska bedöma den implanterbara sensorn Eversense E3.',
      }),
    );
    expect(ids).toEqual([
      {
        keys: [{ scheme: 'product', value: 'eversense e3' }],
        candidateKind: 'device',
        kindStated: false,
        displayName: 'Eversense E3',
        keyText: 'Eversense E3',
        reason: 'produktnamn nämns i sammanfattningen: ”Eversense E3”',
      },
    ]);
  });

  it('gives one identity per product named', () => {
    const ids = identitiesOf(
      's',
      item({ kind: 'news', title: 'Jämförelse mellan FreeStyle Libre 2 och Dexcom G6' }),
    );
    expect(ids.map((i) => i.keys)).toEqual([
      [{ scheme: 'product', value: 'freestyle libre 2' }],
      [{ scheme: 'product', value: 'dexcom g6' }],
    ]);
  });

  it('makes a method candidate of an HTA report without a product name', () => {
    const ids = identitiesOf(
      'sbu-publications',
      item({
        kind: 'hta-report',
        itemKey: '/sv/publikationer/sbu-utvarderar/robotassisterad-kirurgi',
        title: 'Robotassisterad kirurgi vid prostatacancer',
        summary: 'SBU har utvärderat robotassisterad radikal prostatektomi.',
      }),
    );
    expect(ids).toEqual([
      {
        keys: [
          {
            scheme: 'item',
            value: 'sbu-publications:/sv/publikationer/sbu-utvarderar/robotassisterad-kirurgi',
          },
        ],
        candidateKind: 'method',
        displayName: 'Robotassisterad kirurgi vid prostatacancer',
        reason: 'HTA-rapport utan produktnamn (metod)',
      },
    ]);
  });

  it.each([
    [
      'tlv',
      'Hälsoekonomisk bedömning av sakral nervstimulering vid fekal inkontinens',
      'Sakral nervstimulering vid fekal inkontinens',
    ],
    [
      'sbu-publications',
      'Robotassisterad bronkoskopi vid misstänkt lungcancer – en hälsoekonomisk utvärdering',
      'Robotassisterad bronkoskopi vid misstänkt lungcancer',
    ],
    [
      'hta-ostergotland',
      'Telemonitorering vid hjärtsvikt – en metodvärdering',
      'Telemonitorering vid hjärtsvikt',
    ],
  ])('names the method of a %s report after the method, not the report: %s', (source, title, method) => {
    const [identity, ...more] = identitiesOf(source, item({ kind: 'hta-report', title }));
    expect(more).toEqual([]);
    expect(identity).toMatchObject({ candidateKind: 'method', displayName: method });
  });

  it('takes a product named in parentheses in an HTA title for the product, not the method', () => {
    const ids = identitiesOf(
      'hta-vgr',
      item({ kind: 'hta-report', title: 'Blyfri förmakspacemaker (NordHeart) – tidig bedömning' }),
    );
    expect(ids.map((i) => [i.candidateKind, i.displayName, i.keys])).toEqual([
      ['device', 'NordHeart', [{ scheme: 'product', value: 'nordheart' }]],
    ]);
  });

  it('does not read sentence openers of the summary as products', () => {
    const ids = identitiesOf(
      'sbu-publications',
      item({
        kind: 'hta-report',
        title: 'Digitala vårdmöten i primärvården',
        summary: 'En kartläggning av systematiska översikter om digitala vårdmöten.',
      }),
    );
    expect(ids.map((i) => i.candidateKind)).toEqual(['method']);
  });

  const nothing: [name: string, raw: Partial<RawItem> & Pick<RawItem, 'kind' | 'title'>][] = [
    ['news without a product', { kind: 'news', title: 'Region Skåne inför ny rutin' }],
    ['guidance without a product', { kind: 'guidance', title: 'Vägledning om klassificering enligt MDR' }],
    ['trial without a product', { kind: 'trial', title: 'Kost och motion vid typ 2-diabetes' }],
    [
      'certificate (the summary names only the manufacturer)',
      {
        kind: 'certificate',
        title: 'MDR quality management system certificate G1 044251 0012 Rev. 02 (notified body 0123)',
        summary: 'Manufacturer: Novocure GmbH (CH-MF-000013806). Status: issued.',
      },
    ],
    ['legal act', { kind: 'regulation', title: 'Commission Implementing Regulation on FreeStyle Libre 3' }],
  ];
  it.each(nothing)('no candidate: %s', (_name, raw) => {
    expect(identitiesOf('s', item(raw))).toEqual([]);
  });

  it('keys a drug item without a recognised name by the item', () => {
    const ids = identitiesOf('nt-radet', item({ kind: 'drug', title: 'nytt läkemedel vid hjärtsvikt' }));
    expect(ids).toMatchObject([
      { keys: [{ scheme: 'item', value: 'nt-radet:key-1' }], candidateKind: 'drug' },
    ]);
  });

  it('tells the council by the publication type, never by the source id', () => {
    const ntDecision = item({
      kind: 'council-decision',
      title: 'Wegovy vid fetma',
      publicationType: 'NT-rådets rekommendation',
    });
    const mtpDecision = item({
      kind: 'council-decision',
      title: 'Behandling med Optune',
      publicationType: 'MTP-rådet: produkt i nationellt ordnat införande',
    });
    expect(identitiesOf('mtp-radet', ntDecision)[0]?.candidateKind).toBe('drug');
    expect(identitiesOf('nt-radet', mtpDecision)[0]?.candidateKind).toBe('device');
  });

  it('reads the council from the publication type of a shared council list', () => {
    const nt = item({
      kind: 'council-decision',
      title: 'Wegovy (semaglutid)',
      publicationType: 'NT-rådets rekommendation',
      product: { tradeName: 'Wegovy' },
    });
    const mtp = item({
      kind: 'council-decision',
      title: 'Optune',
      publicationType: 'MTP-rådet: produkt i nationellt ordnat införande',
      product: { tradeName: 'Optune' },
    });
    expect(identitiesOf('council-lists', nt)[0]?.candidateKind).toBe('drug');
    expect(identitiesOf('council-lists', mtp)[0]?.candidateKind).toBe('device');
  });

  it('is pure: the same item gives the same identities', () => {
    const raw = item({
      kind: 'hta-report',
      title: 'Tumörbehandlande elektriska fält (Optune) vid glioblastom',
    });
    expect(identitiesOf('sbu', raw)).toEqual(identitiesOf('sbu', structuredClone(raw)));
  });
});
