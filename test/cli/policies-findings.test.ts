import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { addBaselineChecks } from '../../lib/nag/baseline-checks';
import { synthesizeBaseline } from '../../lib/review/synthesize';
import { cli } from '../helpers/cli';
import { withModule } from '../helpers/module-swap';

// The synth of `policies` refused by the rule packs, as aws-cdk-lib refuses it: a real
// synthesis of an app with an unencrypted bucket, in place of the baseline's.
let synthesized = 0;
const refusedSynthesis = {
  synthesizeBaseline: () => {
    synthesized += 1;
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'gdpr-refused-')), builtinCloudFormationValidation: false });
    new s3.CfnBucket(new Stack(app, 'S', { env: { region: 'eu-west-3', account: '123456789012' } }), 'Open', {});
    addBaselineChecks(app);
    app.synth();
    return [];
  },
};

test('policies on a configuration the rule packs refuse: exit 1 (findings), one line, nothing written', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'gdpr-policies-')), 'policies');
  const run = withModule('review/synthesize', refusedSynthesis, () => cli('policies', '--out', out));
  expect(run.status).toBe(1);
  expect(run.stderr).toBe('gdpr-baseline: policies: the configuration synthesizes with unacknowledged findings (reported above); fix or acknowledge them, then run it again\n');
  expect(synthesized).toBe(1); // the refused synthesis ran, not the baseline's
  // And the next file of this worker gets the kit's own module back.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  expect(require('../../lib/review/synthesize').synthesizeBaseline).toBe(synthesizeBaseline);
  expect(() => readdirSync(out)).toThrow(/ENOENT/);
});
