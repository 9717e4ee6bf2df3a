import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { GDPR_STRUCTURE, gdprCitationProblem, gdprCitations } from '../../lib/review/gdpr-structure';
import { REPO_ROOT } from '../helpers/reference';

const problems = (text: string) => gdprCitations(text).map((c) => [c.text, gdprCitationProblem(c)]).filter(([, p]) => p !== undefined);

/** README.md, every file of policies/ (RULES.md among them) and the rule docs of lib/nag/rules. */
function documents(): string[] {
  const policies = join(REPO_ROOT, 'policies');
  const rules = join(REPO_ROOT, 'lib', 'nag', 'rules');
  return [
    join(REPO_ROOT, 'README.md'),
    ...readdirSync(policies, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)),
    ...readdirSync(rules).filter((f) => f.endsWith('.ts')).map((f) => join(rules, f)),
  ];
}

describe('every GDPR article the documents cite exists, with its paragraph and point', () => {
  test('README.md, policies/ and the rule docs cite only articles, paragraphs and points of the regulation', () => {
    const found = documents().flatMap((file) => problems(readFileSync(file, 'utf8')).map(([text, problem]) => `${relative(REPO_ROOT, file)}: ${text}: ${problem}`));
    expect(found).toEqual([]);
  });

  test('art. 35(3)(b) is never cited without its "large scale" (special categories alone do not make it apply)', () => {
    const cites = (text: string) => /35\(3\)\(b\)/.test(text) && !/large scale|grande échelle/i.test(text);
    // In a JSON file the citation and its words may sit in sibling fields: the object that holds it is the unit.
    const jsonUnits = (value: unknown): string[] =>
      value !== null && typeof value === 'object'
        ? [...(Object.values(value).some((v) => typeof v === 'string' && /35\(3\)\(b\)/.test(v)) ? [JSON.stringify(value)] : []), ...Object.values(value).flatMap(jsonUnits)]
        : [];
    const found = documents().flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      const units = file.endsWith('.json') ? jsonUnits(JSON.parse(text)) : text.split('\n');
      return units.filter(cites).map((unit) => `${relative(REPO_ROOT, file)}: ${unit.trim().slice(0, 120)}`);
    });
    expect(found).toEqual([]);
  });

  test('the documents do cite articles (the extraction sees them)', () => {
    const readme = gdprCitations(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'));
    const rules = gdprCitations(readFileSync(join(REPO_ROOT, 'policies', 'RULES.md'), 'utf8'));
    expect(readme.length).toBeGreaterThan(20);
    expect(rules).toContainEqual(expect.objectContaining({ article: 32, paragraph: 1, point: 'b' }));
  });

  test.each([
    ['art. 100', 'the GDPR has articles 1 to 99, not 100'],
    ['Art. 0', 'the GDPR has articles 1 to 99, not 0'],
    ['art. 28(11)', 'art. 28 has paragraphs 1 to 10, not 11'],
    ['art. 6(1)(g)', 'art. 6(1) has points (a) to (f), not (g)'],
    ['art. 35(3)(d)', 'art. 35(3) has points (a) to (c), not (d)'],
    ['art. 12(3)(a)', 'art. 12(3) has no points'],
    ['art. 10(1)', 'art. 10 has no numbered paragraphs'],
    ['Art. 5(1)(c) and (g)', 'art. 5(1) has points (a) to (f), not (g)'],
    ['art. 44-100', 'the GDPR has articles 1 to 99, not 100'],
    ['art. 33(3) and 34(5)', 'art. 34 has paragraphs 1 to 4, not 5'],
    ['articles 13 et 140', 'the GDPR has articles 1 to 99, not 140'],
  ])('a citation of what does not exist fails: %s', (text, problem) => {
    expect(problems(text)).toEqual([[expect.any(String), problem]]);
  });

  test.each(['art. 28(3)', 'art. 28(3)(a)', 'art. 12(3)', 'art. 35(3)(b)', 'art. 35(7)(d)', 'art. 4(12)', 'art. 9(2)(j)', 'art. 50(d)', 'art. 99(2)', 'Art. 32(1)(b)-(c)', 'art. 34(1), (2)'])(
    'a citation of what exists passes: %s',
    (text) => {
      expect(gdprCitations(text).length).toBeGreaterThan(0);
      expect(problems(text)).toEqual([]);
    },
  );

  test.each([
    ['LIL art. 45', 0],
    ['loi Informatique et Libertés, art. 45, 15 years', 0],
    ['Code de commerce, art. L123-22', 0],
    ['Code des postes et des communications électroniques, art. L34-5', 0],
    ['Directive 2002/58/EC, art. 5(3)', 0],
    ['article 45 de la loi Informatique et Libertés', 0],
    ['the 72 hours of art. 33, 72 hours after detection', 1],
  ])('another law or a number that is not an article is not read as a GDPR article: %s', (text, count) => {
    expect(gdprCitations(text)).toHaveLength(count);
  });

  test('the structure covers articles 1 to 99 and matches landmarks of the regulation', () => {
    expect(Object.keys(GDPR_STRUCTURE).map(Number)).toEqual(Array.from({ length: 99 }, (_, i) => i + 1));
    expect(GDPR_STRUCTURE[28]).toEqual([10, { 3: 'h' }]);
    expect(GDPR_STRUCTURE[30]).toEqual([5, { 1: 'g', 2: 'd' }]);
    expect(GDPR_STRUCTURE[33]).toEqual([5, { 3: 'd' }]);
    expect(GDPR_STRUCTURE[35]).toEqual([11, { 3: 'c', 7: 'd' }]);
    expect(GDPR_STRUCTURE[9]).toEqual([4, { 2: 'j' }]);
  });
});
