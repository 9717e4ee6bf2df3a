/**
 * The DPIA screening (art. 35(1), (3) and (4)): whether the contact database needs a data protection
 * impact assessment, answered from the configuration against the nine criteria of the EDPB
 * guidelines (WP248 rev.01, endorsed by the EDPB on 25 May 2018), art. 35(3) and the CNIL's list of
 * processing requiring one (délibération n° 2018-327). What the configuration cannot tell is
 * "unknown — DPO to answer", never "no".
 */
import type { Catalog } from '../catalog/catalog';
import { digitalConsentAge } from '../config/consent-age';
import type { BaselineConfig } from '../config/schema';
import { CHILDREN_WORDS } from '../config/sections/dpia';

export type Answer = 'yes' | 'no' | 'unknown';

export interface ScreeningAnswer {
  readonly answer: Answer;
  /** Why, from the configuration (the field that answers it is named). */
  readonly reason: string;
  /** What would turn the answer around (for a yes: what ends it; for an unknown: the field to set). */
  readonly wouldChange: string;
}

export interface EdpbCriterion extends ScreeningAnswer {
  readonly number: number;
  readonly criterion: string;
}

export interface ListedProcessing extends ScreeningAnswer {
  readonly source: string;
  readonly processing: string;
  /** The processing in a few words, for the result line. */
  readonly short: string;
}

export type ScreeningResult = 'required' | 'undetermined' | 'not-required';

const UNKNOWN = 'unknown — DPO to answer';

const yesNo = (value: boolean | undefined, field: string, yes: string, no: string): ScreeningAnswer =>
  value === undefined
    ? { answer: 'unknown', reason: `${UNKNOWN}: \`${field}\` is not set`, wouldChange: `set \`${field}\` (true or false)` }
    : value
      ? { answer: 'yes', reason: `\`${field}\` is true: ${yes}`, wouldChange: `holds while \`${field}\` is true` }
      : { answer: 'no', reason: `\`${field}\` is false: ${no}`, wouldChange: `becomes yes if \`${field}\` becomes true` };

/** Both hold: yes; either is no: no; otherwise unknown. */
const both = (a: ScreeningAnswer, b: ScreeningAnswer): Answer =>
  a.answer === 'no' || b.answer === 'no' ? 'no' : a.answer === 'yes' && b.answer === 'yes' ? 'yes' : 'unknown';

/** The screening as data (policies/dpia-screening.json). */
export function dpiaScreening(config: BaselineConfig, catalog: Catalog) {
  const d = config.dpia;
  const special = catalog.specialCategories;
  const processors = catalog.subcontractors;

  const scoring = yesNo(d.evaluationOrScoring, 'dpia.evaluationOrScoring', 'people are evaluated or scored', 'no one is evaluated or scored');
  const processorsNote =
    processors.length === 0
      ? 'No processor receives data.'
      : `Processors and their purposes, to weigh: ${processors.map((p) => `${p.name} (${p.pseudonymised ? 'pseudonymised' : 'identified'} extract): ${p.purpose}`).join('; ')}. A statistical study on pseudonymised data evaluates no one unless its results are applied to individuals.`;

  const sensitive: ScreeningAnswer =
    special.length > 0
      ? {
          answer: 'yes',
          reason: `special categories (art. 9) are declared: ${special.map((c) => `${c.name} (${c.description}; art. 9(2) condition ${c.specialCategoryCondition})`).join(', ')}`,
          wouldChange: `holds while the catalog declares a special category (${special.map((c) => c.name).join(', ')})`,
        }
      : d.highlyPersonalData === undefined
        ? { answer: 'unknown', reason: `${UNKNOWN}: no special category is declared; whether other data is of a highly personal nature (financial situation, location, private communications) is not known: \`dpia.highlyPersonalData\` is not set`, wouldChange: 'set `dpia.highlyPersonalData`, or declare a special category' }
        : yesNo(d.highlyPersonalData, 'dpia.highlyPersonalData', 'data of a highly personal nature is processed', 'no special category is declared and no data of a highly personal nature is processed');

  const scale: ScreeningAnswer =
    d.estimatedDataSubjects === undefined
      ? { answer: 'unknown', reason: `${UNKNOWN}: \`dpia.estimatedDataSubjects\` (how many people) is not set`, wouldChange: 'set `dpia.estimatedDataSubjects` and `dpia.largeScaleFrom`' }
      : d.largeScaleFrom === undefined
        ? {
            answer: 'unknown',
            reason: `${UNKNOWN}: about ${d.estimatedDataSubjects} people; the EDPB sets no number for "large scale" (it weighs the number of people, the volume and range of data, the duration and the geographic extent) and \`dpia.largeScaleFrom\` is not set`,
            wouldChange: 'set `dpia.largeScaleFrom`, the number of people from which the DPO regards the processing as large scale',
          }
        : d.estimatedDataSubjects >= d.largeScaleFrom
          ? { answer: 'yes', reason: `about ${d.estimatedDataSubjects} people, at least the ${d.largeScaleFrom} from which the DPO regards it as large scale (\`dpia.largeScaleFrom\`)`, wouldChange: `holds while the estimate is at least ${d.largeScaleFrom} people` }
          : { answer: 'no', reason: `about ${d.estimatedDataSubjects} people, fewer than the ${d.largeScaleFrom} from which the DPO regards it as large scale (\`dpia.largeScaleFrom\`)`, wouldChange: `becomes yes from ${d.largeScaleFrom} people` };

  const children = config.dataSubjects.filter((s) => CHILDREN_WORDS.test(s));
  const age = digitalConsentAge(config.organisation.country);
  const vulnerable: ScreeningAnswer =
    children.length > 0
      ? {
          answer: 'yes',
          reason: `the data subjects include children: "${children.join('", "')}" (age of digital consent in ${config.organisation.country}: ${age}, art. 8(1))${d.vulnerablePeople === undefined ? '' : `; \`dpia.vulnerablePeople\` is ${d.vulnerablePeople}`}`,
          wouldChange: 'holds while `dataSubjects` names children',
        }
      : yesNo(d.vulnerablePeople, 'dpia.vulnerablePeople', 'vulnerable people are data subjects', 'no vulnerable people are data subjects (and `dataSubjects` names no children)');

  const monitoring = yesNo(d.systematicMonitoring, 'dpia.systematicMonitoring', 'people are systematically monitored', 'no one is systematically monitored');
  const combining = yesNo(d.combinesDatasets, 'dpia.combinesDatasets', 'files are bought, rented or exchanged, or the database is matched with other datasets', 'no file is bought, rented or exchanged, and the database is matched with no other dataset');
  const decisions = yesNo(d.automatedDecisions, 'dpia.automatedDecisions', 'decisions with legal or similarly significant effect are taken automatically', 'no decision with legal or similarly significant effect is automated');
  const prevents = yesNo(d.preventsRightOrService, 'dpia.preventsRightOrService', 'the processing can keep people from a right, a service or a contract', 'the processing keeps no one from a right, a service or a contract');

  const criteria: EdpbCriterion[] = [
    { number: 1, criterion: 'Evaluation or scoring, including profiling and predicting', ...scoring, reason: `${scoring.reason}. ${processorsNote}` },
    { number: 2, criterion: 'Automated decision-making with legal or similar significant effect', ...decisions },
    { number: 3, criterion: 'Systematic monitoring', ...monitoring },
    { number: 4, criterion: 'Sensitive data or data of a highly personal nature', ...sensitive },
    { number: 5, criterion: 'Data processed on a large scale', ...scale },
    { number: 6, criterion: 'Matching or combining datasets', ...combining },
    { number: 7, criterion: 'Data concerning vulnerable data subjects (children among them)', ...vulnerable },
    { number: 8, criterion: 'Innovative use or applying new technological or organisational solutions', ...yesNo(d.newTechnology, 'dpia.newTechnology', 'new technology or an innovative use of it is involved', 'no new technology: a relational database, a VPN, encrypted backups and pseudonymised extracts are established solutions') },
    { number: 9, criterion: 'The processing in itself prevents data subjects from exercising a right or using a service or a contract', ...prevents },
  ];

  const article35: ListedProcessing[] = [
    {
      source: 'art. 35(3)(a)',
      short: 'systematic and extensive evaluation with decisions of legal or similar effect',
      processing: 'a systematic and extensive evaluation of personal aspects, based on automated processing (profiling among it), on which decisions are based that produce legal effects or similarly significantly affect people',
      answer: both(scoring, decisions),
      reason: `evaluation or scoring: ${scoring.answer}; automated decisions with such effects: ${decisions.answer}`,
      wouldChange: 'yes when both `dpia.evaluationOrScoring` and `dpia.automatedDecisions` are true',
    },
    {
      source: 'art. 35(3)(b)',
      short: 'processing on a large scale of special categories',
      processing: 'processing on a large scale of special categories of data (art. 9(1)) or of data relating to criminal convictions and offences (art. 10)',
      answer: special.length === 0 ? 'no' : scale.answer,
      reason:
        special.length === 0
          ? 'no special category is declared in the catalog'
          : `special categories are declared (${special.map((c) => c.name).join(', ')}); large scale: ${scale.answer}. Special categories alone do not make this point apply: it requires processing on a large scale`,
      wouldChange: special.length === 0 ? 'a special category declared on a large scale' : 'yes when the processing is large scale (`dpia.estimatedDataSubjects` at least `dpia.largeScaleFrom`)',
    },
    {
      source: 'art. 35(3)(c)',
      short: 'systematic monitoring of a publicly accessible area on a large scale',
      processing: 'a systematic monitoring of a publicly accessible area on a large scale',
      answer: 'no',
      reason: 'the processing assessed is the contact database, which holds no video or sensor data of a place; a camera system is a processing of its own, with its own screening',
      wouldChange: 'not by this database',
    },
  ];

  const cnil = 'CNIL, délibération n° 2018-327 du 11 octobre 2018';
  const listed: ListedProcessing[] = [
    {
      source: cnil,
      short: 'profiling that can exclude people from a contract',
      processing: "« Traitements impliquant le profilage des personnes pouvant aboutir à leur exclusion du bénéfice d'un contrat ou à la suspension voire à la rupture de celui-ci » (profiling that can exclude people from a contract, or suspend or end it)",
      answer: both(scoring, prevents),
      reason: `evaluation or scoring: ${scoring.answer}; keeps people from a service or contract: ${prevents.answer}`,
      wouldChange: 'yes when both `dpia.evaluationOrScoring` and `dpia.preventsRightOrService` are true',
    },
    {
      source: cnil,
      short: 'profiling with data from external sources',
      processing: '« Traitements de profilage faisant appel à des données provenant de sources externes » (profiling that uses data from external sources: purchased or rented files, matching, data brokers)',
      answer: both(scoring, combining),
      reason: `evaluation or scoring: ${scoring.answer}; data from other sources or matching: ${combining.answer}`,
      wouldChange: 'yes when both `dpia.evaluationOrScoring` and `dpia.combinesDatasets` are true',
    },
    {
      source: cnil,
      short: 'location data on a large scale',
      processing: '« Traitements de données de localisation à large échelle » (location data on a large scale)',
      answer: both(monitoring, scale),
      reason: `the catalog holds postal addresses, not location tracking; systematic monitoring (which location tracking is): ${monitoring.answer}; large scale: ${scale.answer}`,
      wouldChange: 'yes when the database tracks where people are (`dpia.systematicMonitoring`) on a large scale',
    },
  ];

  const holding = criteria.filter((c) => c.answer === 'yes');
  const unknown = criteria.filter((c) => c.answer === 'unknown');
  const listedYes = [...article35, ...listed].filter((l) => l.answer === 'yes');
  const result: ScreeningResult =
    holding.length >= 2 || listedYes.length > 0 ? 'required' : holding.length + unknown.length >= 2 || [...article35, ...listed].some((l) => l.answer === 'unknown') ? 'undetermined' : 'not-required';

  const why =
    result === 'required'
      ? [
          holding.length >= 2 ? `${holding.length} of the nine EDPB criteria hold (${holding.map((c) => c.number).join(', ')}): a processing meeting two criteria requires a DPIA in most cases (WP248 rev.01)` : undefined,
          ...listedYes.map((l) => `${l.source} applies (${l.short})`),
        ].filter(Boolean).join('; ')
      : result === 'undetermined'
        ? `${holding.length} criterion${holding.length === 1 ? '' : 'a'} hold${holding.length === 1 ? 's' : ''} and ${unknown.length} ${unknown.length === 1 ? 'is' : 'are'} unknown (${unknown.map((c) => c.number).join(', ')}): the DPO answers them before the result is known`
        : `${holding.length} criterion${holding.length === 1 ? '' : 'a'} hold${holding.length === 1 ? 's' : ''}, none of art. 35(3) or the CNIL list applies: no DPIA is required by the two-criteria rule; the DPO documents this screening as the reason (WP248 rev.01)`;

  const wouldChange: string[] =
    result === 'required'
      ? [
          ...(holding.length >= 2 && listedYes.length === 0
            ? [`The result stays "required" while two criteria hold. It would change only if ${holding.length === 2 ? 'one' : holding.length - 1} of these stopped holding: ${holding.map((c) => `criterion ${c.number} (${c.wouldChange})`).join('; ')}.`]
            : []),
          ...listedYes.map((l) => `${l.source} (${l.short}): ${l.wouldChange}.`),
          ...unknown.map((c) => `Criterion ${c.number} is unknown (${c.wouldChange}): it cannot make the result "not required".`),
        ]
      : [
          ...unknown.map((c) => `Criterion ${c.number} (${c.criterion}): ${c.wouldChange}; if it holds, ${holding.length + 1} criteria hold.`),
          ...criteria.filter((c) => c.answer === 'no').map((c) => `Criterion ${c.number} (${c.criterion}): ${c.wouldChange}.`),
        ];

  const transfers = [
    ...config.residency.adequacyRegions.map((a) => `hosting in ${a.region} (${a.transferBasis})`),
    ...processors.filter((p) => p.transferMechanism).map((p) => `${p.name} in ${p.location} (${p.transferMechanism?.type}: ${p.transferMechanism?.reference})`),
  ];

  return {
    title: `DPIA screening: marketing contact database of ${config.organisation.name}`,
    controller: config.organisation.name,
    dpiaReference: d.reference,
    result,
    why,
    criteria,
    article35,
    cnilList: listed,
    cnilOtherItems:
      'The other types of the CNIL list concern health establishments, genetic or biometric data, human resources and employee monitoring, whistleblowing, health data warehouses, social housing and social care: **DPO to confirm** that none of them describes this processing.',
    cnilExemptions:
      "The CNIL's list of processing for which no DPIA is required (délibération n° 2019-118 du 12 septembre 2019) has no type for the management of customers and prospects: it does not exempt this processing.",
    transfersOutsideTheEu: transfers,
    wouldChange,
  };
}

export type DpiaScreening = ReturnType<typeof dpiaScreening>;

const RESULT_TEXT: Record<ScreeningResult, string> = {
  required: 'a DPIA is required',
  undetermined: 'undetermined — the DPO answers the unknown criteria',
  'not-required': 'no DPIA is required by the two-criteria rule',
};

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const mark = (a: Answer) => (a === 'yes' ? '**yes**' : a === 'unknown' ? '**unknown — DPO to answer**' : 'no');

export function renderDpiaScreening(s: DpiaScreening): string {
  const out = [
    `# ${s.title}`,
    '',
    'Generated by `npm run policies` from the configuration (section `dpia` and the catalog). Do not edit: change the configuration. An answer the configuration cannot give is **unknown — DPO to answer**, never "no".',
    '',
    `**Result: ${RESULT_TEXT[s.result]}.** ${s.why}.`,
    '',
    s.dpiaReference ? `The DPIA carried out: ${s.dpiaReference} (draft generated in [dpia.md](dpia.md)).` : 'The DPIA draft, pre-filled from the configuration and the templates, is [dpia.md](dpia.md); its reference is set in `dpia.reference` once the DPO adopts it.',
    '',
    '## The nine criteria of the EDPB (WP248 rev.01)',
    '',
    'A processing that meets two of them requires a DPIA in most cases; one alone may still require it.',
    '',
    '| # | Criterion | Answer | Why (from the configuration) |',
    '| --- | --- | --- | --- |',
    ...s.criteria.map((c) => `| ${c.number} | ${c.criterion} | ${mark(c.answer)} | ${cell(c.reason)} |`),
    '',
    '## Art. 35(3): the cases in which a DPIA is required in particular',
    '',
    '| Point | Processing | Answer | Why |',
    '| --- | --- | --- | --- |',
    ...s.article35.map((l) => `| ${l.source} | ${cell(l.processing)} | ${mark(l.answer)} | ${cell(l.reason)} |`),
    '',
    '## The CNIL list of processing requiring a DPIA (art. 35(4))',
    '',
    'The types of the list that a marketing contact database could meet:',
    '',
    '| Type | Answer | Why |',
    '| --- | --- | --- |',
    ...s.cnilList.map((l) => `| ${cell(l.processing)} | ${mark(l.answer)} | ${cell(l.reason)} |`),
    '',
    `${s.cnilOtherItems}`,
    '',
    `${s.cnilExemptions}`,
    '',
    '## Transfers outside the EU',
    '',
    'Not one of the nine criteria, but a DPIA describes them (art. 44-49):',
    '',
    s.transfersOutsideTheEu.length === 0 ? '- none: data is stored and processed in EU member-state regions only.' : s.transfersOutsideTheEu.map((t) => `- ${t}`).join('\n'),
    '',
    '## What would change the result',
    '',
    ...s.wouldChange.map((w) => `- ${w}`),
    '- Any change of the processing (a new purpose, category, processor or technology) calls for a new screening, and a DPIA is reviewed when the risk changes (art. 35(11)).',
    '',
  ];
  return out.join('\n');
}
