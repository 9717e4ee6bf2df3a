import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRICES, type RegionPrices } from '../../lib/cost/prices';
import { ADEQUACY_REGIONS, EU_MEMBER_STATE_REGIONS } from '../../lib/residency/regions';
import { REPO_ROOT } from '../helpers/reference';

/*
 * The price table is dated, and judged against the package's release date
 * (package.json releaseDate, set by `npm version` through bin/release-date.ts),
 * never against the clock: the same commit passes or fails on any day.
 */
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MAX_AGE_DAYS = 365;
const days = (from: string, to: string) => (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;

/** Why a table of `tableDate` is too old for a release of `releaseDate`, or undefined. */
function staleness(tableDate: string, releaseDate: string): string | undefined {
  const age = days(tableDate, releaseDate);
  return age > MAX_AGE_DAYS ? `the price table of ${tableDate} is ${age} days older than the release of ${releaseDate}; re-read the prices at their sources (lib/cost/prices.ts)` : undefined;
}

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; releaseDate?: string };

describe('the shipped price table', () => {
  test('is dated, and at most a year older than the package version it ships with', () => {
    expect(PRICES.date).toMatch(DAY);
    expect(manifest.releaseDate).toMatch(DAY);
    expect(staleness(PRICES.date, manifest.releaseDate!)).toBeUndefined();
  });

  test('the check fails for a table older than a year before the release, whatever the day it runs', () => {
    expect(staleness('2025-11-30', '2026-12-01')).toMatch(/366 days older than the release of 2026-12-01/);
    expect(staleness('2025-12-01', '2026-12-01')).toBeUndefined();
  });

  test('has prices for every region the kit may deploy to', () => {
    expect(Object.keys(PRICES.regions).sort()).toEqual([...Object.keys(EU_MEMBER_STATE_REGIONS), ...Object.keys(ADEQUACY_REGIONS)].sort());
  });

  test('the prices confirmed at a source are prices of the table, of regions of the table', () => {
    for (const [region, keys] of Object.entries(PRICES.checked)) {
      expect(Object.keys(PRICES.regions)).toContain(region);
      for (const key of keys) expect(Object.keys(PRICES.sources)).toContain(key);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  test('every price is a positive number, with its source on aws.amazon.com', () => {
    for (const [region, prices] of Object.entries(PRICES.regions)) {
      for (const key of Object.keys(PRICES.sources) as (keyof RegionPrices)[]) {
        expect([region, key, Number.isFinite(prices[key]) && prices[key] > 0]).toEqual([region, key, true]);
      }
      expect(Object.keys(prices).sort()).toEqual(Object.keys(PRICES.sources).sort());
    }
    for (const url of Object.values(PRICES.sources)) expect(url).toMatch(/^https:\/\/aws\.amazon\.com\/[a-z0-9/-]+\/pricing\/$/);
  });
});
