/**
 * International calling codes (ITU-T E.164) of the countries an organisation
 * using the kit is in (EU and EEA member states, and the United Kingdom and
 * Switzerland, which hold adequacy decisions). The suppression list reads a
 * national phone number (one leading 0) in the organisation's country, so
 * that 06 12 34 56 78 and +33 6 12 34 56 78 are the same number in France.
 */
export const CALLING_CODES: Readonly<Record<string, string>> = {
  AT: '43', BE: '32', BG: '359', CY: '357', CZ: '420', DE: '49', DK: '45', EE: '372', ES: '34', FI: '358',
  FR: '33', GR: '30', HR: '385', HU: '36', IE: '353', IT: '39', LT: '370', LU: '352', LV: '371', MT: '356',
  NL: '31', PL: '48', PT: '351', RO: '40', SE: '46', SI: '386', SK: '421',
  IS: '354', LI: '423', NO: '47',
  CH: '41', GB: '44',
};

/**
 * The calling code whose national numbers start with a trunk prefix 0, or
 * undefined (a country whose numbers have no trunk 0: a leading 0 is then
 * kept as dialled, and only international forms are compared).
 */
export function nationalCallingCode(country: string): string | undefined {
  // Numbers in these countries are dialled without a trunk prefix 0 (Italy keeps its 0 in the international form,
  // Hungary's trunk prefix is 06, Lithuania's changed from 8): only international forms are compared there.
  if (['CY', 'CZ', 'DK', 'EE', 'ES', 'GR', 'HU', 'IS', 'IT', 'LI', 'LT', 'LU', 'LV', 'MT', 'NO', 'PL', 'PT'].includes(country)) return undefined;
  return CALLING_CODES[country];
}
