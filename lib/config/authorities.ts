/**
 * The supervisory authority a controller notifies (art. 33), by the country
 * of its main establishment (art. 56: the lead authority). Names and
 * notification pages are public; a country not listed falls back to a
 * generic wording.
 */
export interface SupervisoryAuthority {
  readonly name: string;
  /** Its name in French with its article ("la CNIL (...)", "le Garante ..."), for the documents sent in French. */
  readonly nameFr: string;
  /** Where a breach is notified, when the authority has an online form. */
  readonly notificationUrl?: string;
}

const AUTHORITIES: Readonly<Record<string, SupervisoryAuthority>> = {
  FR: { name: 'the CNIL (Commission nationale de l’informatique et des libertés)', nameFr: 'la CNIL (Commission nationale de l’informatique et des libertés)', notificationUrl: 'https://notifications.cnil.fr/notifications/index' },
  BE: { name: 'the Belgian Data Protection Authority (APD/GBA)', nameFr: 'l’Autorité de protection des données (APD)' },
  LU: { name: 'the CNPD (Commission nationale pour la protection des données)', nameFr: 'la CNPD (Commission nationale pour la protection des données)' },
  IE: { name: 'the Data Protection Commission (DPC)', nameFr: 'la Data Protection Commission (DPC)' },
  DE: { name: 'the data protection authority of the Land of the main establishment', nameFr: 'l’autorité de protection des données du Land de l’établissement principal' },
  ES: { name: 'the AEPD (Agencia Española de Protección de Datos)', nameFr: 'l’AEPD (Agencia Española de Protección de Datos)' },
  IT: { name: 'the Garante per la protezione dei dati personali', nameFr: 'le Garante per la protezione dei dati personali' },
  NL: { name: 'the Autoriteit Persoonsgegevens', nameFr: 'l’Autoriteit Persoonsgegevens' },
  SE: { name: 'IMY (Integritetsskyddsmyndigheten)', nameFr: 'l’IMY (Integritetsskyddsmyndigheten)' },
  AT: { name: 'the Datenschutzbehörde', nameFr: 'la Datenschutzbehörde' },
  PT: { name: 'the CNPD (Comissão Nacional de Proteção de Dados)', nameFr: 'la CNPD (Comissão Nacional de Proteção de Dados)' },
};

export function supervisoryAuthority(country: string): SupervisoryAuthority {
  return AUTHORITIES[country] ?? { name: 'the lead supervisory authority (art. 55-56)', nameFr: 'l’autorité de contrôle chef de file (art. 55-56)' };
}

/** The short name used in messages: "the CNIL", "the Data Protection Commission". */
export function authorityShortName(country: string): string {
  return supervisoryAuthority(country).name.replace(/ \(.*\)$/, '');
}

/** "à la CNIL", "au Garante ...", "à l’AEPD": the French name after "à" (à + le = au). */
export function authorityFrAfterA(country: string): string {
  const name = supervisoryAuthority(country).nameFr;
  return name.startsWith('le ') ? `au ${name.slice(3)}` : `à ${name}`;
}

/** The short French name: "la CNIL", "le Garante per la protezione dei dati personali". */
export function authorityShortNameFr(country: string): string {
  return supervisoryAuthority(country).nameFr.replace(/ \(.*\)$/, '');
}
