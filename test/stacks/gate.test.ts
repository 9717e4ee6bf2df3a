import { App } from 'aws-cdk-lib';
import * as rds from 'aws-cdk-lib/aws-rds';
import { referenceStack } from '../helpers/reference';

describe('the synth gate', () => {
  test('weakening a secure default fails the synthesis, naming the GDPR rule and its article', () => {
    const stack = referenceStack();
    (stack.database.cluster.node.defaultChild as rds.CfnDBCluster).deletionProtection = false;
    expect(() => (stack.node.root as App).synth()).toThrow(/ERROR The database does not have deletion protection\. \(Art\. 5\(1\)\(f\), Art\. 32\(1\)\(c\)\) Fix: .*\(GDPR\)\s+GdprContactBaseline\/ContactDatabase\/Cluster\/Resource/);
  });
});
