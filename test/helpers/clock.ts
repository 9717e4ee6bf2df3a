// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fakeDate } = require('./fake-date.cjs') as { fakeDate(real: DateConstructor, target: number, label: string): DateConstructor };

/**
 * Runs `work` with the wall clock of this process reading `iso` (and ticking on from there), the
 * real clock put back after, even when it throws. The clock FAKE_DATE set, if any, is the one put
 * back. Only `Date` is faked: timers stay real, so nothing can hang on them.
 */
export function withFakeDate<T>(iso: string, work: () => T): T {
  const saved = globalThis.Date;
  const target = saved.parse(iso);
  if (Number.isNaN(target)) throw new Error(`withFakeDate: not a date: ${iso}`);
  globalThis.Date = fakeDate(saved, target, iso);
  try {
    return work();
  } finally {
    globalThis.Date = saved;
  }
}
