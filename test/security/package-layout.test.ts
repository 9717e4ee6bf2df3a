// Attack on the gate: an install layout with two copies of aws-cdk-lib (the kit installed from its
// folder, beside the app's own aws-cdk-lib) made cdk-nag's packs check none of the app's resources,
// so an insecure app passed. The kit must refuse that layout with a clear error instead.
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { addBaselineChecks } from '../../lib/nag/baseline-checks';
import { assertOneAwsCdkLib } from '../../lib/package/one-aws-cdk-lib';
import { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { defaultConfig } from '../helpers/reference';

/** aws-cdk-lib loaded a second time, as an app with its own copy beside the kit's has it. */
function secondAwsCdkLib(): { App: typeof App; Stage: typeof import('aws-cdk-lib').Stage } {
  let copy: ReturnType<typeof secondAwsCdkLib> | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lib: typeof import('aws-cdk-lib') = require('aws-cdk-lib');
    // aws-cdk-lib's exports are lazy getters: read them while the isolated registry is active.
    copy = { App: lib.App, Stage: lib.Stage };
  });
  return copy as ReturnType<typeof secondAwsCdkLib>;
}

describe('two copies of aws-cdk-lib', () => {
  const other = secondAwsCdkLib();

  test('the second copy really is another copy (the attack is set up)', () => {
    const app = new other.App();
    expect(app).not.toBeInstanceOf(App);
    expect(App.isApp(app)).toBe(true);
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
