import { describe, expect, it } from 'vitest';
import { methodNameOf } from './method-names.js';

describe('methodNameOf', () => {
  it.each([
    [
      'Hälsoekonomisk bedömning av transkateteriell aortaklaffimplantation (TAVI) vid låg operationsrisk',
      'Transkateteriell aortaklaffimplantation (TAVI) vid låg operationsrisk',
    ],
    [
      'Hälsoekonomisk bedömning av sakral nervstimulering vid fekal inkontinens',
      'Sakral nervstimulering vid fekal inkontinens',
    ],
    [
      'Robotassisterad bronkoskopi vid misstänkt lungcancer – en hälsoekonomisk utvärdering',
      'Robotassisterad bronkoskopi vid misstänkt lungcancer',
    ],
    ['Telemonitorering vid hjärtsvikt – en metodvärdering', 'Telemonitorering vid hjärtsvikt'],
    ['Metodvärdering: telemonitorering vid hjärtsvikt', 'Telemonitorering vid hjärtsvikt'],
    [
      'Metodvärdering av hemmonitorering av blodtryck vid preeklampsi',
      'Hemmonitorering av blodtryck vid preeklampsi',
    ],
    ['Blyfri förmakspacemaker (NordHeart) – tidig bedömning', 'Blyfri förmakspacemaker (NordHeart)'],
    ['Mini-HTA: Kapselendoskopi i öppenvård', 'Kapselendoskopi i öppenvård'],
    ['Hybridsal för endovaskulär aortakirurgi – en snabböversikt', 'Hybridsal för endovaskulär aortakirurgi'],
    ['Kapselendoskopi i öppenvård - HTA-rapport 2026:3', 'Kapselendoskopi i öppenvård'],
    [
      'Fullstendig metodevurdering av robotassistert kirurgi ved endetarmskreft',
      'Robotassistert kirurgi ved endetarmskreft',
    ],
    ['Hurtig metodevurdering av kapselendoskopi av tynntarmen', 'Kapselendoskopi av tynntarmen'],
    [
      'Robotic bronchoscopy for suspected lung cancer: a health technology assessment',
      'Robotic bronchoscopy for suspected lung cancer',
    ],
    ['Health economic evaluation of sacral nerve stimulation', 'Sacral nerve stimulation'],
  ])('%s → %s', (title, method) => {
    expect(methodNameOf(title)).toBe(method);
  });

  it.each([
    'Telemonitorering vid hjärtsvikt',
    'Sakral nervestimulering ved fekal inkontinens',
    // A report kind inside the sentence, not as the report's label.
    'Kostnader och hälsoekonomisk analys i primärvården',
    'TAVI vid aortastenos och låg kirurgisk risk',
    'e-Stroke vid misstänkt stroke – en metodvärdering',
  ])('keeps %s as the method it names', (title) => {
    expect(methodNameOf(title)).toBe(title.replace(/ – en metodvärdering$/, ''));
  });

  it('keeps a title that is nothing but the report kind, and tidies its spaces', () => {
    expect(methodNameOf('Hälsoekonomisk bedömning')).toBe('Hälsoekonomisk bedömning');
    expect(methodNameOf('  Metodvärdering:   TAVI  ')).toBe('TAVI');
  });
});
