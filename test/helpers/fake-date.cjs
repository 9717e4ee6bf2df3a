// Moves the wall clock to FAKE_DATE (an ISO date or time), so a run proves it
// does not depend on the day it runs. The clock keeps ticking from there, so
// durations and timeouts still work. Loaded with `node --require` (a process
// and its children through NODE_OPTIONS) or jest's setupFiles (package.json: each test
// file's context). Without FAKE_DATE it does nothing. `withFakeDate` (clock.ts) uses
// the same clock for one call.
'use strict';

/** A Date whose clock reads `target` (ms) now and ticks on from there; only "now" is faked. */
function fakeDate(RealDate, target, label) {
  const offset = target - RealDate.now();
  const now = () => RealDate.now() + offset;
  function FakeDate(...args) {
    if (!new.target) return new RealDate(now()).toString();
    return args.length === 0 ? new RealDate(now()) : new RealDate(...args);
  }
  FakeDate.prototype = RealDate.prototype;
  FakeDate.now = now;
  FakeDate.parse = RealDate.parse;
  FakeDate.UTC = RealDate.UTC;
  FakeDate.__fakeDate = label;
  return FakeDate;
}

const fake = process.env.FAKE_DATE;
if (fake && !globalThis.Date.__fakeDate) {
  const target = globalThis.Date.parse(fake);
  if (Number.isNaN(target)) throw new Error(`FAKE_DATE: not a date; give an ISO date such as 2028-06-15; got ${fake}`);
  globalThis.Date = fakeDate(globalThis.Date, target, fake);
}

module.exports = { fakeDate };
