/**
 * `npm run bench:pseudonymise`: how many contacts per minute the extract job
 * pseudonymises on one core (the hot loop of lib/processors/extract-job.ts:
 * one HMAC-SHA256 per contact and the JSON line around it), on synthetic rows
 * shaped like the reference extract (a UUID id, professional fields and one
 * booking). Not a test: it reports and does not judge; the target is at least
 * 1,000,000 contacts per minute. The database read and the upload are not
 * measured here (they are I/O and happen in PostgreSQL and S3).
 *
 *   npm run bench:pseudonymise [-- --contacts N] [--runs N] [--batch N]
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { extractLines, type ExtractRow } from '../lib/processors/extract-job';
import { PSEUDONYM_KEY_BYTES, pseudonymiser } from '../lib/processors/pseudonym';

const TARGET_PER_MINUTE = 1_000_000;

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) {
    process.stderr.write(`--${name} needs a positive integer\nusage: npm run bench:pseudonymise [-- --contacts N] [--runs N] [--batch N]\n`);
    process.exit(2);
  }
  return value;
}

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write('usage: npm run bench:pseudonymise [-- --contacts N] [--runs N] [--batch N]\n');
  process.exit(0);
}

const contacts = option('contacts', 1_000_000);
const runs = option('runs', 3);
const batch = option('batch', 10_000);

// Rows as PostgreSQL returns them to the job (see extractQuery).
const rows: ExtractRow[] = Array.from({ length: contacts }, (_, i) => ({
  id: randomUUID(),
  doc: `{"company" : "Company ${i % 97}", "job_title" : "Title ${i % 13}", "bookings" : [{"arrival" : "2026-0${1 + (i % 9)}-12", "departure" : "2026-0${1 + (i % 9)}-14", "amount_cents" : ${10000 + (i % 5000)}, "payment_status" : "paid"}]}`,
}));
const pseudonymise = pseudonymiser(randomBytes(PSEUDONYM_KEY_BYTES));

const rates: number[] = [];
let bytes = 0;
for (let run = 0; run < runs; run++) {
  bytes = 0;
  const start = performance.now();
  for (let i = 0; i < rows.length; i += batch) {
    bytes += extractLines(rows.slice(i, i + batch), pseudonymise).length;
  }
  const seconds = (performance.now() - start) / 1000;
  rates.push(contacts / seconds * 60);
}
rates.sort((a, b) => a - b);
const median = rates[Math.floor(rates.length / 2)];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
process.stdout.write(
  [
    `pseudonymised extract, one core (${cpus()[0]?.model ?? 'unknown CPU'}, Node.js ${process.version})`,
    `  ${fmt(contacts)} contacts x ${runs} runs, batches of ${fmt(batch)}, ${fmt(bytes / contacts)} bytes per line`,
    `  median ${fmt(median)} contacts/minute (min ${fmt(rates[0])}, max ${fmt(rates[rates.length - 1])})`,
    `  target ${fmt(TARGET_PER_MINUTE)} contacts/minute: ${median >= TARGET_PER_MINUTE ? 'met' : 'NOT met'} (${(median / TARGET_PER_MINUTE).toFixed(1)}x)`,
    '',
  ].join('\n'),
);
