// Attack on the gate: an install layout with two copies of aws-cdk-lib (the kit installed from its
// folder, beside the app's own aws-cdk-lib) made cdk-nag's packs check none of the app's resources,
// so an insecure app passed. The kit must refuse that layout with a clear error instead.
import { dirname, sep } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { addBaselineChecks } from '../../lib/nag/baseline-checks';
import { assertOneAwsCdkLib } from '../../lib/package/one-aws-cdk-lib';
import { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { defaultConfig } from '../helpers/reference';

/**
 * aws-cdk-lib loaded a second time, as an app with its own copy beside the kit's has it: its modules
 * taken out of Node's module cache, required again (new classes, new instances), and the kit's
 * entries put back, so that nothing else in this process ever sees the second copy.
 */
function secondAwsCdkLib(): { App: typeof App; Stage: typeof import('aws-cdk-lib').Stage } {
  const root = `${dirname(require.resolve('aws-cdk-lib/package.json'))}${sep}`;
  const ours = Object.entries(require.cache).filter(([file]) => file.startsWith(root));
  for (const [file] of ours) delete require.cache[file];
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lib: typeof import('aws-cdk-lib') = require('aws-cdk-lib');
    // aws-cdk-lib's exports are lazy getters: read them while the second copy is the cached one.
    return { App: lib.App, Stage: lib.Stage };
  } finally {
    for (const file of Object.keys(require.cache)) if (file.startsWith(root)) delete require.cache[file];
    for (const [file, entry] of ours) require.cache[file] = entry;
  }
}

describe('two copies of aws-cdk-lib', () => {
  const other = secondAwsCdkLib();

  test('the second copy really is another copy (the attack is set up), and the kit still has its own', () => {
    const app = new other.App();
    expect(app).not.toBeInstanceOf(App);
    expect(App.isApp(app)).toBe(true);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect((require('aws-cdk-lib') as typeof import('aws-cdk-lib')).App).toBe(App);
  });

  test('registering the checks on an app of another copy throws instead of checking nothing', () => {
    const app = new other.App();
    expect(() => addBaselineChecks(app)).toThrow(/another copy of aws-cdk-lib than the kit's .*peer dependencies.*npm ls aws-cdk-lib/);
  });

  test('the baseline stack in an app of another copy throws', () => {
    const app = new other.App();
    expect(() => new ContactBaselineStack(app, 'Contacts', { config: defaultConfig() })).toThrow(/another copy of aws-cdk-lib/);
  });

  test('a stage of another copy inside the app is found too', () => {
    const stage = new other.Stage(new App(), 'Prod'); // the kit's app, a stage of another copy
    expect(() => assertOneAwsCdkLib(stage)).toThrow(/Prod comes from another copy of aws-cdk-lib/);
  });
});

describe('one copy of aws-cdk-lib', () => {
  test("the user's own insecure bucket fails the synth with AwsSolutions findings", () => {
    const app = new App({ builtinCloudFormationValidation: false });
    addBaselineChecks(app);
    new s3.Bucket(new Stack(app, 'Mine', { env: { account: '111122223333', region: 'eu-west-3' } }), 'Open');
    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
  });
});
