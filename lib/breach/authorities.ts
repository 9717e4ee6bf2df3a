/**
 * The supervisory authority a controller notifies (art. 33), by the country
 * of its main establishment (art. 56: the lead authority). Names and
 * notification pages are public; a country not listed falls back to a
 * generic wording.
 */
export interface SupervisoryAuthority {
  readonly name: string;
  /** Where a breach is notified, when the authority has an online form. */
  readonly notificationUrl?: string;
}

const AUTHORITIES: Readonly<Record<string, SupervisoryAuthority>> = {
  FR: { name: 'the CNIL (Commission nationale de l’informatique et des libertés)', notificationUrl: 'https://notifications.cnil.fr/notifications/index' },
  BE: { name: 'the Belgian Data Protection Authority (APD/GBA)' },
  LU: { name: 'the CNPD (Commission nationale pour la protection des données)' },
  IE: { name: 'the Data Protection Commission (DPC)' },
  DE: { name: 'the data protection authority of the Land of the main establishment' },
  ES: { name: 'the AEPD (Agencia Española de Protección de Datos)' },
  IT: { name: 'the Garante per la protezione dei dati personali' },
  NL: { name: 'the Autoriteit Persoonsgegevens' },
  SE: { name: 'IMY (Integritetsskyddsmyndigheten)' },
  AT: { name: 'the Datenschutzbehörde' },
  PT: { name: 'the CNPD (Comissão Nacional de Proteção de Dados)' },
};

export function supervisoryAuthority(country: string): SupervisoryAuthority {
  return AUTHORITIES[country] ?? { name: 'the lead supervisory authority (art. 55-56)' };
}

/** The short name used in messages: "the CNIL", "the Data Protection Commission". */
export function authorityShortName(country: string): string {
  return supervisoryAuthority(country).name.replace(/ \(.*\)$/, '');
}
