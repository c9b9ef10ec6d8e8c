import { describe, expect, it } from 'vitest';
import type { EvidenceItem } from './candidate.js';
import {
  describeCandidate,
  isRegistryRecord,
  normaliseLegislation,
  normaliseRiskClass,
} from './candidate.js';
import type { SourceProfiles } from './source-profile.js';
import { shippedSourceProfiles } from '../../test/helpers/shipped-config.js';

const eudamed = (itemId: string, product: EvidenceItem['product']): EvidenceItem => ({
  itemId,
  sourceId: 'eudamed-devices',
  kind: 'device',
  title: product?.tradeName ?? 'x',
  url: `https://ec.europa.eu/tools/eudamed/#/screen/search-device/${itemId}`,
  product,
});

const hta: EvidenceItem = {
  itemId: '7',
  sourceId: 'sbu-publications',
  kind: 'hta-report',
  title: 'Kontinuerlig glukosmätning med FreeStyle Libre 3 vid typ 2-diabetes',
  url: 'https://www.sbu.se/sv/publikationer/regional-hta/libre-3/',
  region: 'HTA-centrum Västra Götalandsregionen',
};

describe('an EU register record', () => {
  // A record stating no legislation: only its source's profile says it is EUDAMED's.
  const record = eudamed('40', { tradeName: 'Pulsoxa Nova 2' });
  const other = { ...record, itemId: '41', sourceId: 'a-register', product: { tradeName: 'Pulsoxa Nova' } };

  it("is told by what its source is, as the source's adapter declares it, not by the source's id", () => {
    const euFirst = (profiles: SourceProfiles) =>
      describeCandidate('c9', 'x', [record, other], profiles).name;
    const register = { kind: 'registry', region: 'EU' } as const;
    expect(euFirst({ 'a-register': register })).toBe('Pulsoxa Nova');
    expect(euFirst({ 'eudamed-devices': register })).toBe('Pulsoxa Nova 2');
    expect(describeCandidate('c9', 'x', [record], {}).evidence[0]?.sourceProfile).toBeUndefined();
    expect(describeCandidate('c9', 'x', [record], shippedSourceProfiles).evidence[0]?.sourceProfile).toEqual(
      register,
    );
  });
});

describe('describeCandidate', () => {
  const sensor = eudamed('12', {
    tradeName: 'FreeStyle Libre 3 Sensor',
    manufacturer: 'Abbott Diabetes Care Ltd',
    manufacturerSrn: 'gb-mf-000002513',
    udiDi: '05021791005734',
    basicUdiDi: '5021791FSL3CGMML',
    riskClass: 'refdata.risk-class.class-iib',
    legislation: 'mdr',
  });
  const reader = eudamed('3', {
    tradeName: 'FreeStyle Libre 3 Reader',
    manufacturer: 'Abbott Diabetes Care Ltd',
    udiDi: '(01)05021791005758',
  });
  const trial: EvidenceItem = {
    itemId: '1',
    sourceId: 'clinicaltrials',
    kind: 'trial',
    title: 'FreeStyle Libre 3 Versus Capillary Glucose Testing',
    url: 'https://clinicaltrials.gov/study/NCT05987654',
    product: { tradeName: 'FreeStyle Libre 3', manufacturer: 'Abbott Diabetes Care' },
  };

  it('takes name, manufacturer, kind and identifiers from register facts', () => {
    const view = describeCandidate(
      'c1',
      'FreeStyle Libre 3',
      [hta, trial, sensor, reader],
      shippedSourceProfiles,
    );
    expect(view).toMatchObject({
      id: 'c1',
      name: 'FreeStyle Libre 3 Sensor',
      manufacturer: 'Abbott Diabetes Care Ltd',
      kind: 'device',
      identifiers: [
        { scheme: 'udi-di', value: '05021791005734' },
        { scheme: 'udi-di', value: '05021791005758' },
        { scheme: 'basic-udi-di', value: '5021791FSL3CGMML' },
        { scheme: 'srn', value: 'GB-MF-000002513' },
      ],
    });
    expect(view.evidence.map((e) => e.itemId)).toEqual(['1', '12', '3', '7']);
  });

  it('never depends on arrival order or on storage ids', () => {
    const a = describeCandidate('c1', 'x', [sensor, reader, hta, trial], shippedSourceProfiles);
    const b = describeCandidate('c1', 'x', [trial, hta, reader, sensor], shippedSourceProfiles);
    expect(a).toEqual(b);
    // The same records stored in the other order (other ids) still give the same name.
    const swapped = describeCandidate(
      'c1',
      'x',
      [
        { ...sensor, itemId: '3' },
        { ...reader, itemId: '12' },
      ],
      shippedSourceProfiles,
    );
    expect(swapped.name).toBe(a.name);
  });

  it('de-duplicates evidence by item id', () => {
    expect(describeCandidate('c1', 'x', [hta, hta], shippedSourceProfiles).evidence).toHaveLength(1);
  });

  it('uses the fallback name and a device kind for a product named only in text', () => {
    const view = describeCandidate(
      'c2',
      'Optune',
      [
        {
          ...hta,
          title: 'Tumörbehandlande elektriska fält (Optune) vid glioblastom',
          region: 'Region Stockholm',
        },
      ],
      shippedSourceProfiles,
    );
    expect(view).toEqual(expect.objectContaining({ name: 'Optune', kind: 'device', identifiers: [] }));
    expect(view.manufacturer).toBeUndefined();
  });

  it('makes a method of HTA reports without product names', () => {
    const view = describeCandidate(
      'c3',
      'Robotassisterad kirurgi vid prostatacancer',
      [{ ...hta, title: 'Robotassisterad kirurgi vid prostatacancer', region: undefined }],
      shippedSourceProfiles,
    );
    expect(view.kind).toBe('method');
  });

  it('reads IVD and drug kinds', () => {
    expect(
      describeCandidate(
        'c4',
        'x',
        [eudamed('1', { tradeName: 'Afinion HbA1c', legislation: 'ivdr' })],
        shippedSourceProfiles,
      ).kind,
    ).toBe('ivd');
    expect(
      describeCandidate(
        'c5',
        'x',
        [{ ...hta, kind: 'drug', sourceId: 'nt-radet', title: 'nytt läkemedel' }],
        shippedSourceProfiles,
      ).kind,
    ).toBe('drug');
  });
});

describe('isRegistryRecord', () => {
  it('tells register records from trials that carry an intervention name', () => {
    expect(isRegistryRecord(eudamed('1', { tradeName: 'Optune' }))).toBe(true);
    expect(isRegistryRecord({ ...hta, kind: 'trial', product: { tradeName: 'Optune' } })).toBe(false);
    expect(
      isRegistryRecord({ ...hta, kind: 'trial', product: { tradeName: 'Optune', udiDi: '07640150032112' } }),
    ).toBe(true);
    expect(isRegistryRecord(hta)).toBe(false);
  });
});

describe('normaliseRiskClass', () => {
  it.each([
    ['refdata.risk-class.class-iib', 'class-iib'],
    ['refdata.risk-class.class-iii', 'class-iii'],
    ['refdata.risk-class.class-d', 'class-d'],
    ['refdata.risk-class.ivd-general', 'ivd-general'],
    ['IIb', 'class-iib'],
    ['Klass III', 'class-iii'],
    ['Class D', 'class-d'],
    ['', undefined],
  ])('%s → %s', (input, expected) => {
    expect(normaliseRiskClass(input)).toBe(expected);
  });
});

describe('normaliseLegislation', () => {
  it.each([
    ['mdr', 'mdr'],
    ['MDR', 'mdr'],
    ['refdata.applicable-legislation.ivdr', 'ivdr'],
    ['Regulation (EU) 2017/745', 'mdr'],
    ['Regulation (EU) 2017/746', 'ivdr'],
    ['Directive 93/42/EEC', 'mdd'],
    ['90/385/EEC', 'aimdd'],
    ['98/79/EC', 'ivdd'],
  ])('%s → %s', (input, expected) => {
    expect(normaliseLegislation(input)).toBe(expected);
  });
});
