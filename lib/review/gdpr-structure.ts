/**
 * The structure of the GDPR (Regulation (EU) 2016/679, CELEX 32016R0679, OJ L 119 of 4.5.2016 as
 * corrected): for each of its 99 articles, how many numbered paragraphs it has and, for the
 * paragraphs that have lettered points, the last point. Parsed (not typed from memory) from a
 * plain-text copy of the regulation's EUR-Lex page, where a paragraph is a line "N.   " and a point
 * a line "(x)" under it, and checked by hand against the articles the kit cites. Article 4's
 * definitions (1) to (26) count as its paragraphs (the kit cites "art. 4(12)"); points of an
 * article without numbered paragraphs (art. 50) sit under paragraph 0. Sub-points (i), (ii) are not
 * recorded. The citation test (test/review/gdpr-citations.test.ts) checks every article the kit's
 * documents cite against it.
 */
export const GDPR_STRUCTURE: Readonly<Record<number, readonly [paragraphs: number, lastPoint?: Readonly<Record<number, string>>]>> = {
  1: [3],
  2: [4, { 2: 'd' }],
  3: [3, { 2: 'b' }],
  4: [26, { 16: 'b', 22: 'c', 23: 'b' }],
  5: [2, { 1: 'f' }],
  6: [4, { 1: 'f', 3: 'b', 4: 'e' }],
  7: [4],
  8: [3],
  9: [4, { 2: 'j' }],
  10: [0],
  11: [2],
  12: [8, { 5: 'b' }],
  13: [4, { 1: 'f', 2: 'f' }],
  14: [5, { 1: 'f', 2: 'g', 3: 'c', 5: 'd' }],
  15: [4, { 1: 'h' }],
  16: [0],
  17: [3, { 1: 'f', 3: 'e' }],
  18: [3, { 1: 'd' }],
  19: [0],
  20: [4, { 1: 'b' }],
  21: [6],
  22: [4, { 2: 'c' }],
  23: [2, { 1: 'j', 2: 'h' }],
  24: [3],
  25: [3],
  26: [3],
  27: [5, { 2: 'b' }],
  28: [10, { 3: 'h' }],
  29: [0],
  30: [5, { 1: 'g', 2: 'd' }],
  31: [0],
  32: [4, { 1: 'd' }],
  33: [5, { 3: 'd' }],
  34: [4, { 3: 'c' }],
  35: [11, { 3: 'c', 7: 'd' }],
  36: [5, { 3: 'f' }],
  37: [7, { 1: 'c' }],
  38: [6],
  39: [2, { 1: 'e' }],
  40: [11, { 2: 'k' }],
  41: [6, { 2: 'd' }],
  42: [8],
  43: [9, { 1: 'b', 2: 'e' }],
  44: [0],
  45: [9, { 2: 'c' }],
  46: [5, { 2: 'f', 3: 'b' }],
  47: [3, { 1: 'c', 2: 'n' }],
  48: [0],
  49: [6, { 1: 'g' }],
  50: [0, { 0: 'd' }],
  51: [4],
  52: [6],
  53: [4],
  54: [2, { 1: 'f' }],
  55: [3],
  56: [6],
  57: [4, { 1: 'v' }],
  58: [6, { 1: 'f', 2: 'j', 3: 'j' }],
  59: [0],
  60: [12],
  61: [9, { 4: 'b' }],
  62: [7],
  63: [0],
  64: [8, { 1: 'f', 5: 'b' }],
  65: [6, { 1: 'c' }],
  66: [4],
  67: [0],
  68: [6],
  69: [2],
  70: [4, { 1: 'y' }],
  71: [2],
  72: [2],
  73: [2],
  74: [2, { 1: 'c' }],
  75: [6, { 6: 'g' }],
  76: [2],
  77: [2],
  78: [4],
  79: [2],
  80: [2],
  81: [3],
  82: [6],
  83: [9, { 2: 'k', 4: 'c', 5: 'e' }],
  84: [2],
  85: [3],
  86: [0],
  87: [0],
  88: [3],
  89: [4],
  90: [2],
  91: [2],
  92: [5],
  93: [3],
  94: [2],
  95: [0],
  96: [0],
  97: [5, { 2: 'b' }],
  98: [0],
  99: [2],
};

/** A citation of the GDPR found in a text: article, and the paragraph and point when cited. */
export interface GdprCitation {
  readonly article: number;
  readonly paragraph?: number;
  readonly point?: string;
  /** The citation as written (the whole list it belongs to, such as "Art. 5(1)(c) and (f)"). */
  readonly text: string;
}

/**
 * Other laws the kit's documents cite. The convention: a bare "art. N", "Art. N", "article N" is the
 * GDPR's; an article of another text has that text's name right before it ("LIL art. 45",
 * "Code de commerce, art. L123-22", "Directive 2002/58/EC, art. 5(3)") or right after it
 * ("article 45 de la loi Informatique et Libertés"), and is not checked against the GDPR.
 */
const OTHER_LAW_BEFORE = /(?:\bLIL|Informatique et Libert[ée]s|\bCode(?: [\p{L}'’-]+){1,8}|\bCPCE|\bDirective(?: \(?(?:EU|EC)\)?)? ?\d{2,4}\/\d+(?:\/(?:EC|EU|CE|UE))?|\bePrivacy Directive|\bTFEU|\bTEU|\bCharter),?\s*$/u;
const OTHER_LAW_AFTER = /^\s*(?:de la loi|du [Cc]ode|of the (?:French )?(?:Data Protection Act|LIL|Code)|LIL\b|of Directive|of that Directive)/;

const REF = String.raw`\d+(?!\d)(?:\(\w{1,4}\))*`;
const PARENS = String.raw`(?:\(\w{1,4}\))+`;
const SEP = String.raw`\s*(?:,|-|–|\band\b|\bor\b|\bet\b|\bou\b|\bto\b|\bà\b)\s*`;
// A number after a separator is an article only when no unit follows it (not "art. 33, 72 hours").
const CONT = String.raw`(?:${SEP}(?:${PARENS}|\d+(?!\d)(?:\(\w{1,4}\))*(?!\s*(?:hours?|days?|years?|months?|h\b|heures?|jours?|ans?\b|mois\b|%))))`;
const CITATION = new RegExp(String.raw`\b(?:[Aa]rticles?|[Aa]rts?\.)\s?(${REF}${CONT}*)`, 'g');

/** Every GDPR citation of a text (see OTHER_LAW_BEFORE for the convention on other laws). */
export function gdprCitations(text: string): GdprCitation[] {
  const out: GdprCitation[] = [];
  for (const match of text.matchAll(CITATION)) {
    const before = text.slice(Math.max(0, match.index - 80), match.index);
    const after = text.slice(match.index + match[0].length, match.index + match[0].length + 40);
    if (OTHER_LAW_BEFORE.test(before) || OTHER_LAW_AFTER.test(after)) continue;
    const written = match[0];
    let last: { article: number; paragraph?: number; point?: string } | undefined;
    for (const token of match[1].matchAll(/(\d+)?((?:\(\w{1,4}\))*)/g)) {
      if (token[0] === '') continue;
      const groups = [...token[2].matchAll(/\((\w{1,4})\)/g)].map((g) => g[1]);
      let current: { article: number; paragraph?: number; point?: string };
      if (token[1] !== undefined) current = { article: Number(token[1]) };
      else if (last) current = /^\d+$/.test(groups[0] ?? '') ? { article: last.article } : { article: last.article, paragraph: last.paragraph };
      else continue;
      for (const g of groups.slice(0, 2)) {
        if (/^\d+$/.test(g) && current.paragraph === undefined && current.point === undefined) current = { ...current, paragraph: Number(g) };
        else if (current.point === undefined) current = { ...current, point: g };
      }
      out.push({ ...current, text: written });
      last = current;
    }
  }
  return out;
}

/** Why a citation does not exist in the GDPR, or undefined when it does. */
export function gdprCitationProblem(c: Pick<GdprCitation, 'article' | 'paragraph' | 'point'>): string | undefined {
  const entry = GDPR_STRUCTURE[c.article];
  if (!entry) return `the GDPR has articles 1 to 99, not ${c.article}`;
  const [paragraphs, lastPoint = {}] = entry;
  const paragraph = c.paragraph ?? 0;
  if (c.paragraph !== undefined && (c.paragraph < 1 || c.paragraph > paragraphs)) {
    return paragraphs === 0 ? `art. ${c.article} has no numbered paragraphs` : `art. ${c.article} has paragraphs 1 to ${paragraphs}, not ${c.paragraph}`;
  }
  if (c.point !== undefined) {
    const last = lastPoint[paragraph];
    const where = c.paragraph === undefined ? `art. ${c.article}` : `art. ${c.article}(${c.paragraph})`;
    if (!last) return `${where} has no points`;
    if (!/^[a-z]$/.test(c.point) || c.point > last) return `${where} has points (a) to (${last}), not (${c.point})`;
  }
  return undefined;
}
