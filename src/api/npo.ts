/**
 * The national programme areas (nationella programområden) as named on kunskapsstyrningvard.se.
 * Used for the filter menu; areas the scoring or reports name are added from the data.
 */
export const NPO_AREAS: readonly string[] = [
  'Akut vård',
  'Barns och ungdomars hälsa',
  'Cancersjukdomar',
  'Endokrina sjukdomar',
  'Hjärt- och kärlsjukdomar',
  'Hud- och könssjukdomar',
  'Infektionssjukdomar',
  'Kirurgi och plastikkirurgi',
  'Kvinnosjukdomar och förlossning',
  'Levnadsvanor',
  'Lung- och allergisjukdomar',
  'Mag- och tarmsjukdomar',
  'Medicinsk diagnostik',
  'Nervsystemets sjukdomar',
  'Njur- och urinvägssjukdomar',
  'Perioperativ vård, intensivvård och transplantation',
  'Primärvård',
  'Psykisk hälsa',
  'Rehabilitering, habilitering och försäkringsmedicin',
  'Reumatiska sjukdomar',
  'Rörelseorganens sjukdomar',
  'Sällsynta sjukdomar',
  'Tandvård',
  'Äldres hälsa och palliativ vård',
  'Ögonsjukdomar',
  'Öron-, näs- och halssjukdomar',
];
