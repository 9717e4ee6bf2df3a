/**
 * Art. 8(1): the age from which a child may consent alone to an information
 * society service offered directly to them is the member state's (13 to 16);
 * below it, the holder of parental responsibility consents or authorises.
 * Without a national law the regulation's 16 applies. Sources: each state's
 * GDPR implementing act (France: loi Informatique et Libertés, art. 45, 15
 * years, with joint consent of the child and the holder under 15).
 */
export const DIGITAL_CONSENT_AGE: Readonly<Record<string, number>> = {
  AT: 14, BE: 13, BG: 14, CY: 14, CZ: 15, DE: 16, DK: 13, EE: 13, ES: 14, FI: 13,
  FR: 15, GR: 15, HR: 16, HU: 16, IE: 16, IT: 14, LT: 14, LU: 16, LV: 13, MT: 13,
  NL: 16, PL: 16, PT: 13, RO: 16, SE: 13, SI: 15, SK: 16,
  // EEA states apply the regulation too.
  IS: 13, LI: 16, NO: 13,
};

/** The regulation's own age where a state has set none (art. 8(1), first subparagraph). */
export const DEFAULT_DIGITAL_CONSENT_AGE = 16;

/** The age of digital consent in the organisation's country (ISO 3166 two-letter code). */
export function digitalConsentAge(country: string): number {
  return DIGITAL_CONSENT_AGE[country] ?? DEFAULT_DIGITAL_CONSENT_AGE;
}
