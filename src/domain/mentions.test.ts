import { describe, expect, it } from 'vitest';
import { extractProductMentions } from './mentions.js';

describe('extractProductMentions', () => {
  const cases: [text: string, expected: string[]][] = [
    // Swedish titles from the sources
    ['Kontinuerlig glukosmätning med FreeStyle Libre 3 vid typ 2-diabetes', ['FreeStyle Libre 3']],
    ['Hälsoekonomisk bedömning av FreeStyle Libre 3 vid typ 1-diabetes', ['FreeStyle Libre 3']],
    ['Hälsoekonomisk bedömning av MiniMed 780G vid typ 1-diabetes hos barn och vuxna', ['MiniMed 780G']],
    ['Realtids-CGM med Dexcom G7 för barn och ungdomar med typ 1-diabetes', ['Dexcom G7']],
    ['Tumörbehandlande elektriska fält (Optune) vid glioblastom', ['Optune']],
    ['TLV inleder hälsoekonomisk bedömning av Eversense E3 för kontinuerlig glukosmätning', ['Eversense E3']],
    ['Eversense E3 – implanterbar CGM', ['Eversense E3']],
    ['Dexcom G7 vid typ 1-diabetes', ['Dexcom G7']],
    ['Optune-behandling vid glioblastom', ['Optune']],
    ['Sensorn i FreeStyle Libre 3-systemet byts var 14:e dag', ['FreeStyle Libre 3']],
    ['Jämförelse mellan FreeStyle Libre 2 och Dexcom G6', ['FreeStyle Libre 2', 'Dexcom G6']],
    ['Behandling med Optune vid glioblastom', ['Optune']],
    ['Nya Dexcom G7 lanseras', ['Dexcom G7']],
    ['FreeStyle Libre 3 Plus för barn', ['FreeStyle Libre 3 Plus']],
    ['Tester av Accu-Chek Insight', ['Accu-Chek Insight']],
    // a brand recognised elsewhere in the text also counts where it opens a sentence
    ['Optune vid glioblastom. Regionen har utvärderat Optune.', ['Optune']],
    // duplicates (by normalised name) are returned once, in order
    ['FreeStyle Libre 3 och FreeStyle Libre® 3 Sensor', ['FreeStyle Libre 3']],
    // English
    ['Abbott launches FreeStyle Libre 3 in Europe', ['FreeStyle Libre 3']],
    ['FDA Approves Dexcom G7 CGM System for Children', ['Dexcom G7']],
    ['Medtronic MiniMed 780G receives CE mark', ['MiniMed 780G']],
    // negatives: organisations, places, acronyms, sentence-initial ordinary words
    ['Region Skåne inför ny rutin', []],
    ['Robotassisterad kirurgi vid prostatacancer', []],
    ['Digitala vårdmöten i primärvården', []],
    ['Västra Götalandsregionen och Region Stockholm samarbetar med SBU och TLV', []],
    ['HTA-centrum i Västra Götaland har bedömt metoden', []],
    ['NT-rådet och MTP-rådet ger rekommendationer enligt MDR och IVDR i EU', []],
    ['Sverige och Norge inför nya regler', []],
    ['TLV:s och regionernas gemensamma horisontspaning', []],
    ['Nu finns listan över periodens varor för november 2026 publicerad.', []],
    ['Produkter i klass IIb och klass III enligt MDR', []],
    ['Patienter med typ 1-diabetes och HbA1c över 70', []],
    ['SBU Kommenterar: en systematisk översikt', []],
    ['Parkinsons sjukdom och Crohns sjukdom', []],
    ['Infusionsaggregat med backventil. Tillverkare: B. Braun Melsungen AG. Gäller flera artikelnummer.', []],
    ['Tillverkare: Roche Diabetes Care GmbH. Produkt: Accu-Chek Insight', ['Accu-Chek Insight']],
    // company names end in a legal form wherever they stand
    ['Återkallelse av infusionspump från B. Braun Melsungen AG', []],
    ['Säkerhetsmeddelande från Abbott Diabetes Care Inc om sensorer', []],
    ['Säkerhetsmeddelande: Mölnlycke Health Care AB återkallar produkten', []],
    ['Philips Medical Systems Nederland BV meddelar', []],
    ['Laboratorios Farma S.A. informerar kunderna', []],
    ['Abbott Diagnostics Technologies AS har skickat ett brev', []],
    ['Medtronic Ltd uppdaterar bruksanvisningen', []],
    ['Novocure GmbH lanserar Optune i Norden', ['Optune']],
    ['Säkerhetsmeddelande från Medtronic MiniMed, Inc. om MiniMed 780G', ['MiniMed 780G']],
    // revision markers
    ['Fältsäkerhetsmeddelande Rev 2 för MiniMed 780G', ['MiniMed 780G']],
    ['Rev. 3: uppdaterad bruksanvisning', []],
    ['Kontinuerlig glukosemåling og flash glukosemåling (Indikasjon II)', []],
    [
      'Tumorbehandlende elektriske felt (Optune Lua) ved metastatisk ikke-småcellet lungekreft',
      ['Optune Lua'],
    ],
    ['Fekal mikrobiotatransplantation vid recidiverande Clostridioides difficile-infektion', []],
    [
      'Slutna system för insulintillförsel (AID) – MiniMed 780G och t:slim X2 med Control-IQ',
      ['MiniMed 780G', 'Control-IQ'],
    ],
    [
      'Kontinuerlig glukosmätning (FreeStyle Libre 3, Dexcom G7) under graviditet',
      ['FreeStyle Libre 3', 'Dexcom G7'],
    ],
    // English guidance titles capitalise document names, not brands
    ['MDCG 2024-5: Guidance on the Investigator’s Brochure content', []],
    ['MDCG 2023-2: List of Standard Fees', []],
    ['Standard Fees', []],
    ['MDCG 2022-14 Regulation', []],
    ['Commission Implementing Regulation (EU) 2022/2346', []],
    [
      'MDCG 2025-5: Questions & Answers regarding performance studies of in vitro diagnostic medical devices',
      [],
    ],
    ['Manual on borderline and classification under Regulations (EU) 2017/745 and 2017/746 v4', []],
    ['', []],
  ];
  it.each(cases)('%s', (text, expected) => {
    expect(extractProductMentions(text)).toEqual(expected);
  });

  it('needs more than a capital letter in English text', () => {
    expect(extractProductMentions('Treatment with Optune in newly diagnosed glioblastoma')).toEqual([]);
    expect(extractProductMentions('Tumor Treating Fields (Optune) in glioblastoma')).toEqual(['Optune']);
    expect(extractProductMentions('Dexcom G7 sensors in adults', { language: 'en' })).toEqual(['Dexcom G7']);
    expect(extractProductMentions('Medtronic launches Simplera', { language: 'en' })).toEqual([]);
    expect(extractProductMentions('Medtronic lanserar Simplera', { language: 'sv' })).toEqual(['Simplera']);
  });

  it('treats line breaks as sentence boundaries', () => {
    expect(
      extractProductMentions('Digitala vårdmöten i primärvården\nEn kartläggning av översikter'),
    ).toEqual([]);
    expect(
      extractProductMentions('Robotassisterad hysterektomi\nRobotassisterad jämfört med laparoskopi'),
    ).toEqual([]);
  });

  it('reads brand names out of HTML', () => {
    expect(extractProductMentions('<p>Behandling med <b>Optune</b></p><p>Effekt och säkerhet</p>')).toEqual([
      'Optune',
    ]);
  });
});
