import { Catalog } from '../../lib/catalog/catalog';
import { parseConfig } from '../../lib/config/load';
import { dpiaScreening, renderDpiaScreening } from '../../lib/review/dpia-screening';
import { withChange } from '../helpers/config';
import { defaultConfigInput } from '../helpers/reference';

/** The screening of the reference configuration after a change to its input. */
function screen(change: (c: Record<string, any>) => void = () => undefined) {
  const input = defaultConfigInput();
  change(input);
  const config = parseConfig(input);
  return dpiaScreening(config, Catalog.fromConfig(config));
}

const answer = (s: ReturnType<typeof screen>, n: number) => s.criteria.find((c) => c.number === n)?.answer;
const point = (s: ReturnType<typeof screen>, source: string) => s.article35.find((l) => l.source === source);

/** No special category, no children among the data subjects, and no dpia answer: nothing the configuration can tell. */
const silent = (c: Record<string, any>) => {
  delete c.dpia;
  c.dataSubjects = ['prospects', 'customers'];
  c.dataSubjectsFr = ['prospects', 'clients'];
  for (const cat of c.categories) {
    delete cat.sensitivity;
    delete cat.specialCategoryCondition;
    delete cat.consentPurpose;
  }
  for (const role of c.roles) {
    delete role.specialCategoryJustification;
    role.flags = [];
  }
};

describe('the dpia section of the configuration', () => {
  test('is optional: left out, every answer is unset', () => {
    const input = defaultConfigInput();
    delete input.dpia;
    expect(parseConfig(input).dpia).toEqual({});
  });

  test('a bad estimate is one line naming the field, the value and what is allowed', () => {
    expect(withChange((c) => (c.dpia.estimatedDataSubjects = 0))).toEqual(['dpia.estimatedDataSubjects: at least 1 person; got 0']);
    expect(withChange((c) => (c.dpia.largeScaleFrom = 2.5))).toEqual(['dpia.largeScaleFrom: expected int; got 2.5']);
  });

  test('an unknown answer is refused, not ignored', () => {
    expect(withChange((c) => (c.dpia.profiling = true))).toEqual(['dpia.profiling: unknown field; remove it or check its spelling (see lib/config/config.schema.json)']);
  });

  test('"no vulnerable people" is refused while the data subjects name children', () => {
    expect(withChange((c) => (c.dpia.vulnerablePeople = false))).toEqual([
      expect.stringMatching(/^dpia\.vulnerablePeople: dataSubjects\[3\] "minors under 15 .*" names children, who are vulnerable data subjects \(EDPB WP248 rev\.01, criterion 7\): set true, or correct dataSubjects; got false$/),
    ]);
  });
});

describe('the DPIA screening answers each criterion from the configuration', () => {
  test('the reference company: special categories and children are two criteria, so a DPIA is required', () => {
    const s = screen();
    expect(s.result).toBe('required');
    expect(s.criteria.filter((c) => c.answer === 'yes').map((c) => c.number)).toEqual([4, 7]);
    expect(s.criteria.find((c) => c.number === 4)?.reason).toMatch(/special_diet .*explicit-consent.*accessibility/);
    expect(s.why).toMatch(/2 of the nine EDPB criteria hold \(4, 7\)/);
  });

  test('answering "no" everywhere cannot answer away what the catalog and the data subjects say', () => {
    const s = screen((c) => {
      c.dpia = {
        estimatedDataSubjects: 10, largeScaleFrom: 1000000, evaluationOrScoring: false, automatedDecisions: false, systematicMonitoring: false,
        highlyPersonalData: false, combinesDatasets: false, vulnerablePeople: true, newTechnology: false, preventsRightOrService: false,
      };
    });
    expect([answer(s, 4), answer(s, 7)]).toEqual(['yes', 'yes']);
    expect(s.result).toBe('required');
  });

  test('a configuration that says nothing leaves every criterion it cannot answer unknown, never no', () => {
    const s = screen(silent);
    expect(s.criteria.map((c) => [c.number, c.answer])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => [n, 'unknown']));
    expect(s.criteria.every((c) => c.reason.startsWith('unknown — DPO to answer'))).toBe(true);
    expect(s.result).toBe('undetermined');
    expect(renderDpiaScreening(s)).toContain('**Result: undetermined — the DPO answers the unknown criteria.**');
  });

  test('no DPIA by the two-criteria rule only when every criterion is answered and at most one holds', () => {
    const s = screen((c) => {
      silent(c);
      c.dpia = {
        estimatedDataSubjects: 800, largeScaleFrom: 10000, evaluationOrScoring: false, automatedDecisions: false, systematicMonitoring: false,
        highlyPersonalData: false, combinesDatasets: false, vulnerablePeople: false, newTechnology: false, preventsRightOrService: false,
      };
    });
    expect(s.criteria.filter((c) => c.answer !== 'no')).toEqual([]);
    expect(s.result).toBe('not-required');
    expect(s.wouldChange.join('\n')).toMatch(/Criterion 5 .*becomes yes from 10000 people/);
  });

  test('one unknown criterion beside one that holds leaves the result undetermined, not "not required"', () => {
    const s = screen((c) => {
      silent(c);
      c.dpia = { estimatedDataSubjects: 800, largeScaleFrom: 10000, evaluationOrScoring: false, automatedDecisions: false, systematicMonitoring: false, highlyPersonalData: true, combinesDatasets: false, vulnerablePeople: false, preventsRightOrService: false };
    });
    expect([answer(s, 4), answer(s, 8)]).toEqual(['yes', 'unknown']);
    expect(s.result).toBe('undetermined');
  });

  test('scale is large only from the number the DPO set; an estimate alone is unknown', () => {
    expect(answer(screen((c) => (c.dpia.largeScaleFrom = undefined)), 5)).toBe('unknown');
    expect(answer(screen((c) => (c.dpia.largeScaleFrom = 45000)), 5)).toBe('yes');
    expect(answer(screen((c) => (c.dpia.largeScaleFrom = 45001)), 5)).toBe('no');
  });
});

describe('art. 35(3)(b) is processing on a large scale of special categories, never special categories alone', () => {
  test('special categories on an unknown scale: unknown; on a small scale: no; on a large scale: yes', () => {
    expect(point(screen(), 'art. 35(3)(b)')?.answer).toBe('unknown');
    expect(point(screen((c) => (c.dpia.largeScaleFrom = 100000)), 'art. 35(3)(b)')?.answer).toBe('no');
    expect(point(screen((c) => (c.dpia.largeScaleFrom = 10000)), 'art. 35(3)(b)')).toEqual(expect.objectContaining({ answer: 'yes', reason: expect.stringMatching(/large scale: yes/) }));
  });

  test('a large scale without special categories is not art. 35(3)(b)', () => {
    const s = screen((c) => {
      silent(c);
      c.dpia = { estimatedDataSubjects: 500000, largeScaleFrom: 10000 };
    });
    expect(point(s, 'art. 35(3)(b)')?.answer).toBe('no');
  });

  test('every line of the screening that cites art. 35(3)(b) says "large scale"', () => {
    for (const s of [screen(), screen(silent), screen((c) => (c.dpia.largeScaleFrom = 10000))]) {
      const lines = renderDpiaScreening(s).split('\n').filter((l) => l.includes('35(3)(b)'));
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line).toMatch(/large scale/);
    }
  });
});

describe('the CNIL list', () => {
  test('profiling with purchased files or matching is a listed type: a DPIA is required whatever the other criteria', () => {
    const s = screen((c) => {
      silent(c);
      c.dpia = { evaluationOrScoring: true, combinesDatasets: true };
    });
    expect(s.cnilList.find((l) => /sources externes/.test(l.processing))?.answer).toBe('yes');
    expect(s.result).toBe('required');
  });

  test('profiling that can exclude people from a contract is a listed type', () => {
    const s = screen((c) => Object.assign(c.dpia, { evaluationOrScoring: true, preventsRightOrService: true }));
    expect(s.cnilList.find((l) => /exclusion du bénéfice d'un contrat/.test(l.processing))?.answer).toBe('yes');
  });

  test('the list of processing not requiring a DPIA does not exempt a customer and prospect database', () => {
    expect(renderDpiaScreening(screen())).toMatch(/n° 2019-118 .*has no type for the management of customers and prospects/);
  });
});

describe('transfers', () => {
  test('a processor outside the EU is listed beside the criteria', () => {
    const s = screen((c) => {
      c.subcontractors[0].location = 'us-east-1';
      c.subcontractors[0].transferMechanism = { type: 'standard-contractual-clauses', reference: 'SCC 2021/914 module 2, signed 2026-09-15' };
    });
    expect(s.transfersOutsideTheEu).toEqual([expect.stringMatching(/^statlab in us-east-1 \(standard-contractual-clauses: SCC 2021\/914/)]);
  });
});
