/**
 * The terms the notes check looks for, shipped with the kit. A note that
 * contains one is held for the DPO's review (lib/database/sql: the trigger on
 * crm.notes). The configuration adds terms (`notesCheck.extraTerms`), removes
 * shipped ones (`notesCheck.excludedTerms`) and adds phrases that are never
 * flagged (`notesCheck.allowedPhrases`).
 *
 * How a term matches (in the database, so no client can skip it):
 * - case- and accent-insensitive: "Diabète", "DIABETE" and "diabete" are one word;
 * - whole words only: "ill" never matches "will", "con" never matches "contrat";
 * - a trailing `*` accepts any ending: `musulman*` matches musulman, musulmane, musulmans;
 * - a space or a hyphen in a term matches spaces, hyphens or apostrophes between the words.
 * Every note is checked against both languages: notes mix them.
 *
 * The lists favour precision: a held note costs the DPO a review, a missed one
 * lets art. 9 data or an insult reach every reader. Words that are mostly
 * innocent in a hotel's notes are left out on purpose and listed in
 * README "Notes check": "handicap" alone (golf), "noir"/"black" (surnames,
 * colours), "race" (a running race), "politique" (pricing policy), "détenu"
 * (capital held by), "retard" (late, in French), "syndicat" alone (syndicat
 * d'initiative, copropriété), "aids" (visual aids), "hospitality".
 */

/** The note categories the check knows, with the label a flag reason shows. */
export const NOTE_CATEGORIES = {
  health: 'health',
  religion_or_belief: 'religion or belief',
  ethnic_origin: 'racial or ethnic origin',
  political_opinion: 'political opinion',
  trade_union_membership: 'trade-union membership',
  sexual_orientation: 'sex life or sexual orientation',
  criminal_record: 'criminal convictions and offences',
  insult: 'insult or disparaging remark',
  age_judgement: 'age-related judgement',
  solvency_or_neighbourhood: 'solvency or neighbourhood judgement',
} as const;

export type NoteCategory = keyof typeof NOTE_CATEGORIES;
export const NOTE_LANGUAGES = ['fr', 'en'] as const;
export type NoteLanguage = (typeof NOTE_LANGUAGES)[number];

export type NoteTermLists = Readonly<Record<NoteCategory, Readonly<Record<NoteLanguage, readonly string[]>>>>;

/** A term: letters, digits, spaces, hyphens or apostrophes, optionally ending with `*`. */
export const NOTE_TERM_PATTERN = /^[\p{L}\p{N}](?:[\p{L}\p{N}' -]*[\p{L}\p{N}])?\*?$/u;

export const DEFAULT_NOTE_TERMS: NoteTermLists = {
  health: {
    fr: [
      'maladie*', 'malade', 'malades', 'cancer*', 'diabète', 'diabétique*', 'enceinte', 'grossesse', 'handicapé*',
      'en situation de handicap', 'dépressif*', 'burn-out', 'hospitalisé*', 'hospitalisation', 'chimiothérapie',
      'séropositi*', 'VIH', 'sida', 'alcoolique*', 'toxicomane*', 'allergique*', 'allergie*', 'psychiatr*',
      'autiste*', 'autisme', 'épilep*', 'asthmatique*', 'asthme', 'fauteuil roulant', 'malvoyant*', 'aveugle*',
      'sourd', 'sourde', 'sourds', 'sourdes', 'traitement médical', 'obèse*',
    ],
    en: [
      'illness*', 'disease*', 'cancer*', 'diabetes', 'diabetic*', 'pregnant', 'pregnancy', 'disabled', 'disabilit*',
      'wheelchair*', 'depressed', 'mental health', 'burnout', 'hospitalised', 'hospitalized', 'hospitalisation',
      'hospitalization', 'in hospital', 'chemotherapy', 'HIV', 'alcoholic*', 'drug addict*', 'allergic', 'allerg*',
      'psychiatr*', 'autistic', 'autism', 'epilep*', 'asthma*', 'blind', 'deaf', 'medication*', 'surgery', 'obese',
    ],
  },
  religion_or_belief: {
    fr: [
      'religion*', 'religieu*', 'catholique*', 'protestant*', 'musulman*', 'islam*', 'juif', 'juive*', 'juifs',
      'judaïsme', 'bouddhis*', 'hindou*', 'athée*', 'pratiquant*', 'mosquée*', 'synagogue*', 'ramadan', 'halal',
      'casher', 'kasher', 'témoin de Jéhovah', 'témoins de Jéhovah', 'évangélique*',
      // Eating habits that reveal a belief, said of a person ("ne mange pas de porc", "mange végétarien").
      'mange pas de porc', 'mange jamais de porc', 'mange pas de viande', 'mange végétarien', 'mange végan',
      'mange vegan', 'il est végétarien', 'elle est végétarienne', 'il est végan', 'elle est végane', 'il est vegan',
      'elle est vegan', "boit pas d'alcool", "boit jamais d'alcool", 'fait le carême', 'fait le jeûne',
    ],
    en: [
      'religion*', 'religious*', 'catholic*', 'protestant*', 'muslim*', 'moslem*', 'islam*', 'jew', 'jews', 'jewish',
      'judaism', 'buddhis*', 'hindu*', 'atheis*', 'mosque*', 'synagogue*', 'kosher', "Jehovah's Witness*", 'evangelical*',
      "doesn't eat pork", 'does not eat pork', 'eats no pork', 'no pork for him', 'no pork for her', 'he is vegetarian',
      'she is vegetarian', 'is a vegetarian', 'he is vegan', 'she is vegan', 'is a vegan', 'eats vegetarian',
      "doesn't drink alcohol", 'does not drink alcohol',
    ],
  },
  ethnic_origin: {
    fr: [
      'ethnie*', 'ethnique*', 'racial*', 'raciale*', 'maghrébin*', 'beur', 'beurette*', 'rebeu*', 'renoi*', 'gitan*',
      'basané*', 'type asiatique', 'type africain', 'type maghrébin', 'personne de couleur', 'homme de couleur',
      'femme de couleur', "d'origine étrangère", 'sans papiers', 'sans-papiers',
      // Nationality and origin, proxies of ethnic origin ("nationalité chinoise", "il est arabe").
      'nationalité*', 'origine ethnique', "d'origine arabe", "d'origine africaine", "d'origine asiatique",
      "d'origine chinoise", "d'origine immigrée", "issu de l'immigration",
      "issue de l'immigration", 'est arabe', 'sont arabes', 'est rebeu',
    ],
    en: [
      'ethnic*', 'racial*', 'of colour', 'of color', 'black man', 'black woman', 'white man', 'white woman',
      'asian-looking', 'looks asian', 'arab-looking', 'looks arab', 'gypsy', 'gypsies', 'illegal immigrant*',
      'nationality', 'nationalities', 'ethnic origin', 'arab origin', 'african origin', 'asian origin', 'chinese origin',
      'foreign origin', 'is arab', 'is an arab',
    ],
  },
  political_opinion: {
    fr: [
      'opinion politique', 'opinions politiques', 'vote à gauche', 'vote à droite', 'électeur', 'électrice',
      'électeurs', 'militant*', 'encarté*', 'extrême droite', 'extrême gauche', "d'extrême droite",
      "d'extrême gauche", 'gauchiste*', 'facho*', 'communiste*', 'socialiste*', 'Rassemblement national',
      'Front national', 'France insoumise', 'insoumis',
    ],
    en: [
      'political view*', 'political opinion*', 'votes for', 'voted for', 'leftist*', 'right-wing', 'left-wing',
      'far right', 'far left', 'communist*', 'socialist*', 'democrat', 'democrats', 'republican voter', 'tory', 'tories',
      'activist*',
    ],
  },
  trade_union_membership: {
    fr: [
      'syndiqué*', 'syndicaliste*', 'délégué syndical', 'déléguée syndicale', 'délégués syndicaux',
      'représentant syndical', 'CGT', 'CFDT', 'Force ouvrière', 'CFE-CGC', 'UNSA', 'gréviste*',
    ],
    en: [
      'trade union*', 'union member*', 'unionised', 'unionized', 'shop steward*', 'union rep', 'union representative',
      'labor union', 'labour union',
    ],
  },
  sexual_orientation: {
    fr: [
      'homosexuel*', 'gay', 'gays', 'lesbienne*', 'bisexuel*', 'transgenre*', 'LGBT*', 'orientation sexuelle',
      'vie sexuelle',
    ],
    en: [
      'homosexual*', 'gay', 'gays', 'lesbian*', 'bisexual*', 'transgender*', 'queer', 'LGBT*', 'sexual orientation',
      'sex life',
    ],
  },
  criminal_record: {
    fr: [
      'casier judiciaire', 'condamné*', 'prison', 'incarcéré*', 'garde à vue', 'délinquant*', 'délinquance',
      'criminel*', 'escroc*', 'voleur*', 'voleuse*', 'mis en examen', 'mise en examen', 'contrôle judiciaire',
      'bracelet électronique', 'fiché S',
    ],
    en: [
      'criminal record*', 'convicted', 'prison', 'jail*', 'arrested', 'felon*', 'fraudster*', 'thief', 'thieves',
      'sentenced', 'offender*', 'police record',
    ],
  },
  insult: {
    fr: [
      'connard*', 'connasse*', 'pauvre con', 'vieux con', 'gros con', 'sale con', 'abruti*', 'débile*', 'idiot*',
      'crétin*', 'imbécile*', 'salaud*', 'salope*', 'pute*', 'enfoiré*', 'emmerdeu*', 'grosse vache', 'gros lard',
      'casse-pieds', 'chieu*', 'feignant*', 'fainéant*', 'hystérique*', 'bougnoul*', 'nègre*', 'négresse*', 'youpin*',
      'pédé', 'pédés', 'gouine*', 'mongolien*', 'radin*', 'pigeon à plumer',
    ],
    en: [
      'idiot*', 'stupid', 'moron*', 'imbecile*', 'dumb', 'bitch*', 'bastard*', 'asshole*', 'arsehole*', 'jerk',
      'loser*', 'retarded', 'cheapskate*', 'ugly', 'creep', 'creepy', 'nutcase', 'psycho', 'fatso', 'hysterical',
    ],
  },
  // Judgements of age (age discrimination; "sénile" is also a health judgement).
  age_judgement: {
    fr: [
      'très âgé', 'très âgée', 'très âgés', 'très âgées', 'trop âgé', 'trop âgée', 'trop âgés', 'trop âgées', 'sénile*', 'sénilité', 'gâteux', 'gâteuse', 'gâteuses', 'radote', 'radoteu*', 'vieillard*',
      'sucre les fraises', 'vieux schnock', 'vieille peau', 'papy gâteux', 'mamie gâteuse',
    ],
    en: ['senile', 'senility', 'doddering', 'old fart', 'old geezer', 'gaga'],
  },
  // Judgements of solvency or of where someone lives: what a note must not decide on.
  solvency_or_neighbourhood: {
    fr: [
      'insolvable*', 'surendetté*', 'surendettement', 'fiché Banque de France', 'fiché à la Banque de France',
      'interdit bancaire', 'interdite bancaire', 'mauvais payeur', 'mauvaise payeuse', 'mauvais payeurs', 'cas social',
      'cas sociaux', 'cassos', 'habite en banlieue', 'habite dans une cité', 'habite en cité', 'vit en banlieue',
      'vit dans une cité', 'banlieusard*', 'quartier sensible', 'quartiers sensibles', 'quartier difficile',
      'quartiers difficiles', 'zonard*', 'racaille*', 'au RSA', 'vit des aides',
    ],
    en: [
      'insolvent', 'insolvency', 'bad payer', 'deadbeat*', 'on benefits', 'on welfare', 'welfare case', 'lives in the projects',
      'rough neighbourhood', 'rough neighborhood', 'rough area', 'ghetto', 'trailer trash', 'white trash', 'chav', 'chavs',
    ],
  },
};

/**
 * Phrases that are never flagged, even though they contain a term: names of
 * institutions and places, where the word says where someone studied, met or
 * lives, not what they are or believe. Matched like terms, and removed from
 * the note before the terms are looked for.
 */
export const DEFAULT_ALLOWED_PHRASES: readonly string[] = [
  'université catholique',
  'institut catholique',
  'catholic university',
  'Gay-Lussac',
  "syndicat d'initiative",
];

/** Every shipped term, each once (what `notesCheck.excludedTerms` may name). */
export function defaultNoteTerms(): string[] {
  const all = Object.values(DEFAULT_NOTE_TERMS).flatMap((lists) => NOTE_LANGUAGES.flatMap((l) => lists[l]));
  return [...new Set(all)];
}
