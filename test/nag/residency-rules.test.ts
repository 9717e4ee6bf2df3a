import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import { regionGuardStatementJson } from '../../lib/residency/guard-statement';
import { RegionGuard } from '../../lib/residency/region-guard';
import { newStack, PARIS, ruleFindingsOn, validate } from './helpers';

const STACK_REGION = 'GDPR-Art44-StackRegionAllowed';
const REFERENCES = 'GDPR-Art44-RegionReferencesAllowed';
const GUARD = 'GDPR-Art44-RegionGuardAttached';

/** Any resource will do: the stack region rule looks at every resource. */
function topicIn(stack: Stack): sns.Topic {
  return new sns.Topic(stack, 'Topic');
}

describe(STACK_REGION, () => {
  test('non-compliant: an env-agnostic stack can be deployed to any region', () => {
    // Given a stack without env
    const stack = newStack({});
    const topic = topicIn(stack);
    // Then every resource is flagged
    expect(ruleFindingsOn(validate(stack), topic, STACK_REGION)).toEqual([STACK_REGION]);
  });

  test('non-compliant: a stack in us-east-1', () => {
    const stack = newStack({ env: { account: PARIS.account, region: 'us-east-1' } });
    const topic = topicIn(stack);
    expect(ruleFindingsOn(validate(stack), topic, STACK_REGION)).toEqual([STACK_REGION]);
  });

  test('non-compliant: London without a transfer basis in the allowed regions', () => {
    const stack = newStack({ env: { account: PARIS.account, region: 'eu-west-2' } });
    const topic = topicIn(stack);
    expect(ruleFindingsOn(validate(stack), topic, STACK_REGION)).toEqual([STACK_REGION]);
  });

  test('compliant: London once the pack lists it in its allowed regions', () => {
    const stack = newStack({ env: { account: PARIS.account, region: 'eu-west-2' } });
    const topic = topicIn(stack);
    expect(ruleFindingsOn(validate(stack, { allowedRegions: ['eu-west-3', 'eu-west-2'] }), topic, STACK_REGION)).toEqual([]);
  });

  test('compliant: a stack pinned to Paris', () => {
    const stack = newStack();
    const topic = topicIn(stack);
    expect(ruleFindingsOn(validate(stack), topic, STACK_REGION)).toEqual([]);
  });

  test('non-compliant: the allowed regions of the pack replace the EU default, they do not extend it', () => {
    // Given a pack that allows only Frankfurt, and a stack deployed to Paris
    const stack = newStack();
    const topic = topicIn(stack);
    expect(ruleFindingsOn(validate(stack, { allowedRegions: ['eu-central-1'] }), topic, STACK_REGION)).toEqual([STACK_REGION]);
  });
});

describe(REFERENCES, () => {
  let report: PolicyValidationPluginReport;
  let usKeyLogs: logs.LogGroup;
  let twoRegionsLogs: logs.LogGroup;
  let parisKeyLogs: logs.LogGroup;
  let londonLogs: logs.LogGroup;
  let londonReport: PolicyValidationPluginReport;

  beforeAll(() => {
    const stack = newStack();
    usKeyLogs = new logs.LogGroup(stack, 'UsKeyLogs', {
      encryptionKey: kms.Key.fromKeyArn(stack, 'UsKey', 'arn:aws:kms:us-east-1:111122223333:key/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d'),
    });
    twoRegionsLogs = new logs.LogGroup(stack, 'TwoRegionsLogs', {
      encryptionKey: kms.Key.fromKeyArn(stack, 'OregonKey', 'arn:aws:kms:us-west-2:111122223333:key/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d'),
    });
    // a second region in the same resource, in a tag
    (twoRegionsLogs.node.defaultChild as logs.CfnLogGroup).tags.setTag('replica', 'arn:aws:sns:ap-southeast-2:111122223333:replica');
    parisKeyLogs = new logs.LogGroup(stack, 'ParisKeyLogs', {
      encryptionKey: kms.Key.fromKeyArn(stack, 'ParisKey', 'arn:aws:kms:eu-west-3:111122223333:key/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d'),
    });
    report = validate(stack);

    const londonStack = newStack();
    londonLogs = new logs.LogGroup(londonStack, 'LondonKeyLogs', {
      encryptionKey: kms.Key.fromKeyArn(londonStack, 'LondonKey', 'arn:aws:kms:eu-west-2:111122223333:key/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d'),
    });
    londonReport = validate(londonStack, { allowedRegions: ['eu-west-3', 'eu-west-2'] });
  });

  test('non-compliant: a KMS key ARN in us-east-1 is reported as Region::us-east-1', () => {
    expect(ruleFindingsOn(report, usKeyLogs, REFERENCES)).toEqual([`${REFERENCES}[Region::us-east-1]`]);
  });

  test('non-compliant: one finding per region named, so each can be acknowledged on its own', () => {
    expect(ruleFindingsOn(report, twoRegionsLogs, REFERENCES)).toEqual([`${REFERENCES}[Region::ap-southeast-2]`, `${REFERENCES}[Region::us-west-2]`]);
  });

  test('compliant: a key ARN in the stack region', () => {
    expect(ruleFindingsOn(report, parisKeyLogs, REFERENCES)).toEqual([]);
  });

  test('non-compliant: London is outside the default allowed regions', () => {
    const stack = newStack();
    const group = new logs.LogGroup(stack, 'LondonKeyLogs', {
      encryptionKey: kms.Key.fromKeyArn(stack, 'LondonKey', 'arn:aws:kms:eu-west-2:111122223333:key/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d'),
    });
    expect(ruleFindingsOn(validate(stack), group, REFERENCES)).toEqual([`${REFERENCES}[Region::eu-west-2]`]);
  });

  test('compliant: a London reference once the stack lists London in its allowed regions', () => {
    expect(ruleFindingsOn(londonReport, londonLogs, REFERENCES)).toEqual([]);
  });

  test('compliant: an availability zone name is not a region reference', () => {
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Topic', { displayName: 'zone eu-west-3a' });
    expect(ruleFindingsOn(validate(stack), topic, REFERENCES)).toEqual([]);
  });
});

describe(GUARD, () => {
  let report: PolicyValidationPluginReport;
  let unguarded: iam.Role;
  let inlineGuard: iam.Role;
  let principalPolicyGuard: iam.Role;
  let allowNotDeny: iam.Role;
  let guardPermitsUsEast1: iam.Role;
  let guardOnOneAction: iam.Role;
  let guardExemptsS3: iam.Role;
  let guardExtraKey: iam.Role;
  let guardExtraOperator: iam.Role;
  let guardPolicy: RegionGuard;
  let guardedLater: iam.Role;

  beforeAll(() => {
    // Stack without a RegionGuard
    const stack = newStack();
    const assumedBy = new iam.AccountRootPrincipal();
    unguarded = new iam.Role(stack, 'Unguarded', { assumedBy });
    inlineGuard = new iam.Role(stack, 'InlineGuard', {
      assumedBy,
      inlinePolicies: {
        RegionGuard: new iam.PolicyDocument({ statements: [iam.PolicyStatement.fromJson(regionGuardStatementJson(['eu-west-3']))] }),
      },
    });
    principalPolicyGuard = new iam.Role(stack, 'PrincipalPolicyGuard', { assumedBy });
    principalPolicyGuard.addToPrincipalPolicy(iam.PolicyStatement.fromJson(regionGuardStatementJson(['eu-west-3'])));
    allowNotDeny = new iam.Role(stack, 'AllowNotDeny', {
      assumedBy,
      inlinePolicies: {
        NotAGuard: new iam.PolicyDocument({
          statements: [iam.PolicyStatement.fromJson({ ...regionGuardStatementJson(['eu-west-3']), Effect: 'Allow' })],
        }),
      },
    });
    const inlineGuardRole = (id: string, statement: Record<string, unknown>) =>
      new iam.Role(stack, id, {
        assumedBy,
        inlinePolicies: { RegionGuard: new iam.PolicyDocument({ statements: [iam.PolicyStatement.fromJson(statement)] }) },
      });
    guardPermitsUsEast1 = inlineGuardRole('GuardPermitsUsEast1', regionGuardStatementJson(['eu-west-3', 'us-east-1']));
    guardOnOneAction = inlineGuardRole('GuardOnOneAction', {
      Effect: 'Deny',
      Action: 's3:PutObject',
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-west-3'] } },
    });
    guardExemptsS3 = inlineGuardRole('GuardExemptsS3', { ...regionGuardStatementJson(['eu-west-3']), NotAction: ['iam:*', 's3:*'] });
    guardExtraKey = inlineGuardRole('GuardExtraKey', {
      ...regionGuardStatementJson(['eu-west-3']),
      Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-west-3'], 'aws:PrincipalTag/x': 'never' } },
    });
    guardExtraOperator = inlineGuardRole('GuardExtraOperator', {
      ...regionGuardStatementJson(['eu-west-3']),
      Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-west-3'] }, StringEquals: { 'aws:username': 'nobody' } },
    });
    report = validate(stack);
  });

  test('non-compliant: a role with nothing denying other regions', () => {
    expect(ruleFindingsOn(report, unguarded, GUARD)).toEqual([GUARD]);
  });

  test('compliant: a role with an inline deny on aws:RequestedRegion', () => {
    expect(ruleFindingsOn(report, inlineGuard, GUARD)).toEqual([]);
  });

  test('compliant: a role whose own policy (AWS::IAM::Policy listing the role) carries the deny', () => {
    expect(ruleFindingsOn(report, principalPolicyGuard, GUARD)).toEqual([]);
  });

  test('non-compliant: the same statement with Effect Allow is not a guard', () => {
    expect(ruleFindingsOn(report, allowNotDeny, GUARD)).toEqual([GUARD]);
  });

  test('non-compliant: a deny that still permits a region outside the allowed ones (us-east-1)', () => {
    expect(ruleFindingsOn(report, guardPermitsUsEast1, GUARD)).toEqual([GUARD]);
  });

  test('non-compliant: a deny on one action only leaves every other action open in every region', () => {
    expect(ruleFindingsOn(report, guardOnOneAction, GUARD)).toEqual([GUARD]);
  });

  test('non-compliant: a deny whose NotAction exempts a regional service (s3:*)', () => {
    expect(ruleFindingsOn(report, guardExemptsS3, GUARD)).toEqual([GUARD]);
  });

  test('non-compliant: a deny with a second AND-ed key that never matches (aws:PrincipalTag/x) is no guard', () => {
    expect(ruleFindingsOn(report, guardExtraKey, GUARD)).toEqual([GUARD]);
  });

  test('non-compliant: a deny with a second AND-ed operator (StringEquals aws:username nobody) is no guard', () => {
    expect(ruleFindingsOn(report, guardExtraOperator, GUARD)).toEqual([GUARD]);
  });

  describe('with a RegionGuard in the stack', () => {
    let guardedReport: PolicyValidationPluginReport;
    let guardedBefore: iam.Role;

    beforeAll(() => {
      const stack = newStack();
      guardedBefore = new iam.Role(stack, 'Before', { assumedBy: new iam.AccountRootPrincipal() });
      guardPolicy = new RegionGuard(stack, 'RegionGuard', { permittedRegions: ['eu-west-3'] });
      guardedLater = new iam.Role(stack, 'After', { assumedBy: new iam.AccountRootPrincipal() });
      guardedReport = validate(stack);
    });

    test('compliant: a role created before the guard', () => {
      expect(ruleFindingsOn(guardedReport, guardedBefore, GUARD)).toEqual([]);
    });

    test('compliant: a role created after the guard', () => {
      expect(ruleFindingsOn(guardedReport, guardedLater, GUARD)).toEqual([]);
    });

    test('not applicable: the guard policy itself is not a role', () => {
      expect(ruleFindingsOn(guardedReport, guardPolicy.policy, GUARD)).toEqual([]);
    });
  });
});
