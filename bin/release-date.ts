/**
 * `npm version <new>` runs this (package.json script "version"): it sets
 * package.json `releaseDate` to the day of the release, UTC, so the version
 * and its date are bumped in the same commit. The one place the kit reads the
 * clock for a date, and only at release: synth, check, cost and the tests
 * read `releaseDate`, never the clock (test/cost/prices.test.ts holds the
 * shipped price table to it). `-- --date YYYY-MM-DD` sets another day.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const file = join(__dirname, '..', 'package.json');
const given = process.argv.indexOf('--date');
const day = given >= 0 ? process.argv[given + 1] : new Date().toISOString().slice(0, 10);
if (!/^\d{4}-\d{2}-\d{2}$/.test(day ?? '') || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
  process.stderr.write(`release-date: --date must be a day such as 2027-03-01; got ${day}\n`);
  process.exit(2);
}
const text = readFileSync(file, 'utf8');
if (!/"releaseDate": "[^"]*"/.test(text)) {
  process.stderr.write('release-date: package.json has no "releaseDate" field to update\n');
  process.exit(2);
}
writeFileSync(file, text.replace(/"releaseDate": "[^"]*"/, `"releaseDate": "${day}"`));
process.stdout.write(`package.json releaseDate: ${day}\n`);
