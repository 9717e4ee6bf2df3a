/**
 * What the DPIA screening (art. 35, policies/dpia-screening.md) needs and the rest of the
 * configuration cannot tell: how many people the database holds, and what the controller or its
 * processors do with the data beyond storing it (scoring, decisions, monitoring, matching with
 * other files, new technology). Every answer is optional: a field left out is shown as
 * "unknown — DPO to answer", never as "no".
 */
import { z } from 'zod';
import { list, type Problem } from './common';

/** Words of `dataSubjects` that name children (EDPB WP248 rev.01 criterion 7, recital 38 and 75). */
export const CHILDREN_WORDS = /\b(minors?|child|children|mineurs?|enfants?|under \d{2})\b/i;

const answer = (what: string) => z.boolean().optional().meta({ description: `${what} Left out: unknown, the DPO answers.` });

export const dpiaSchema = z
  .object({
    /** How many people the database holds, or will hold within a year (an estimate). */
    estimatedDataSubjects: z
      .number()
      .int({ message: 'a whole number of people' })
      .min(1, { message: 'at least 1 person' })
      .optional()
      .meta({ description: 'How many people the database holds, or will hold within a year (an estimate).' }),
    /**
     * From how many people the DPO regards this processing as "large scale". The EDPB gives no number
     * (WP243 and WP248: the number of people, the volume of data, the duration, the geographic extent),
     * so the kit sets none.
     */
    largeScaleFrom: z
      .number()
      .int({ message: 'a whole number of people' })
      .min(1, { message: 'at least 1 person' })
      .optional()
      .meta({ description: 'From how many people the DPO regards the processing as large scale (the EDPB sets no number). Left out: large scale is unknown.' }),
    /** Criterion 1: people are evaluated or scored (profiling, segments predicting behaviour), by the controller or a processor. */
    evaluationOrScoring: answer('EDPB criterion 1: the controller or a processor evaluates or scores people (profiling, predictive segments).'),
    /** Criterion 2: a decision with legal or similarly significant effect is taken on people automatically. */
    automatedDecisions: answer('EDPB criterion 2: decisions with legal or similarly significant effect are taken automatically.'),
    /** Criterion 3: people are systematically monitored (online behaviour, location, tracking across services). */
    systematicMonitoring: answer('EDPB criterion 3: people are systematically monitored (online behaviour, location, tracking).'),
    /** Criterion 4, beyond the special categories the catalog declares: data of a highly personal nature (financial situation, location, private communications). */
    highlyPersonalData: answer('EDPB criterion 4 beyond special categories: data of a highly personal nature (financial situation, location, private communications).'),
    /** Criterion 6: files are bought, rented or exchanged, or the database is matched or combined with other datasets. */
    combinesDatasets: answer('EDPB criterion 6: purchased, rented or exchanged files, or matching with other datasets.'),
    /** Criterion 7: data subjects are vulnerable (children, employees of the controller, patients, people in need of care). */
    vulnerablePeople: answer('EDPB criterion 7: vulnerable data subjects (children, employees, patients, people in need of care).'),
    /** Criterion 8: new technology or an innovative use of it (AI scoring, biometrics, connected devices). */
    newTechnology: answer('EDPB criterion 8: innovative use or new technological or organisational solutions.'),
    /** Criterion 9: the processing itself can keep people from a right, a service or a contract (a blacklist, an exclusion score). */
    preventsRightOrService: answer('EDPB criterion 9: the processing can prevent people from exercising a right or using a service or contract.'),
    /** The DPIA itself, once carried out: its reference and version (shown on the screening and the draft). */
    reference: z.string().min(1).optional().meta({ description: 'Reference and version of the DPIA carried out, once it exists.' }),
  })
  .strict();

/* eslint-disable @typescript-eslint/no-explicit-any */
/** Answers that contradict what the rest of the configuration says. */
export function dpiaChecks(cfg: any, problem: Problem): void {
  const dpia = cfg.dpia ?? {};
  if (dpia.vulnerablePeople === false) {
    list(cfg.dataSubjects).forEach((subject, i) => {
      if (typeof subject === 'string' && CHILDREN_WORDS.test(subject)) {
        problem(['dpia', 'vulnerablePeople'], `dataSubjects[${i}] "${subject}" names children, who are vulnerable data subjects (EDPB WP248 rev.01, criterion 7): set true, or correct dataSubjects`);
      }
    });
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */
