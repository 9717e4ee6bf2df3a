import type { Client } from 'pg';

/**
 * What a function answers to a role for one contact id: it is called once per
 * combination of sample arguments (`sample(type, id)` gives the values of an
 * argument of that type), each call in a transaction rolled back so that calls
 * do not change what the next one sees, and every occurrence of `id` in an
 * answer or an error is replaced by `<id>`, so that the answers for a hidden
 * contact and for an id that does not exist can be compared as they are.
 */
export async function sampledAnswers(c: Client, fn: string, args: readonly string[], id: string, sample: (type: string, id: string) => string[]): Promise<string[]> {
  const combos = args.reduce<string[][]>((acc, type) => acc.flatMap((a) => sample(type, id).map((v) => [...a, v])), [[]]);
  const answers: string[] = [];
  for (const values of combos) {
    const placeholders = values.map((_, i) => `$${i + 1}::${args[i]}`).join(', ');
    await c.query('BEGIN');
    try {
      const { rows } = await c.query(`SELECT COALESCE(string_agg(r::text, ' | '), '') AS out FROM ${fn}(${placeholders}) AS r`, values);
      answers.push(rows[0].out.split(id).join('<id>'));
    } catch (err) {
      answers.push(`error: ${(err as Error).message.split(id).join('<id>')}`);
    } finally {
      await c.query('ROLLBACK');
    }
  }
  return answers;
}
