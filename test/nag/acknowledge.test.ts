import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { acknowledge, qualifyRuleId, reasonProblem, splitNamedAcknowledgment } from '../../lib/marks/acknowledge';
import { clusterProps, findingsOn, isolatedVpc, newStack, ruleFindingsOn, validate } from './helpers';

const IAM_AUTH = 'GDPR-Art32-DatabaseIamAuth';
const TLS = 'GDPR-Art32-DatabaseTlsForced';
const REFERENCES = 'GDPR-Art44-RegionReferencesAllowed';
const SPECIFIC_REASON = 'Break-glass replica restored by the DPO only; logins use a vaulted password rotated after each use';

describe('acknowledge', () => {
  test('removes exactly the acknowledged rule from the cluster, and nothing else', () => {
    // Given two identical clusters without IAM authentication
    const stack = newStack();
    const vpc = isolatedVpc(stack);
    const acknowledged = new rds.DatabaseCluster(stack, 'Acknowledged', clusterProps(vpc));
    const other = new rds.DatabaseCluster(stack, 'Other', clusterProps(vpc));
    const before = validate(stack);
    expect(ruleFindingsOn(before, acknowledged, IAM_AUTH)).toEqual([IAM_AUTH]);
    // When one of them acknowledges the rule (on the L2 construct: children inherit it)
    const id = acknowledge(acknowledged, IAM_AUTH, SPECIFIC_REASON);
    // Then that finding is gone from validateScope, the other cluster keeps it, and other rules still apply
    const after = validate(stack);
    expect(id).toBe(IAM_AUTH);
    expect(ruleFindingsOn(after, acknowledged, IAM_AUTH)).toEqual([]);
    expect(ruleFindingsOn(after, other, IAM_AUTH)).toEqual([IAM_AUTH]);
    expect(ruleFindingsOn(after, acknowledged, TLS)).toEqual([TLS]);
    expect(findingsOn(after, acknowledged)).toEqual(findingsOn(before, acknowledged).filter((r) => r !== IAM_AUTH));
  });

  describe('a rule with several findings', () => {
    function twoRegionLogGroup() {
      const stack = newStack();
      const group = new logs.LogGroup(stack, 'Logs', {
        encryptionKey: kms.Key.fromKeyArn(stack, 'UsKey', 'arn:aws:kms:us-east-1:111122223333:key/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d'),
      });
      (group.node.defaultChild as logs.CfnLogGroup).tags.setTag('replica', 'arn:aws:sns:us-west-2:111122223333:replica');
      return { stack, group };
    }

    test('the finding option removes that finding only', () => {
      const { stack, group } = twoRegionLogGroup();
      const id = acknowledge(group, REFERENCES, 'The replica tag only names a topic; no contact data is sent there', { finding: 'Region::us-west-2' });
      expect(id).toBe(`${REFERENCES}[Region::us-west-2]`);
      expect(ruleFindingsOn(validate(stack), group, REFERENCES)).toEqual([`${REFERENCES}[Region::us-east-1]`]);
    });

    test('the bare rule id does not silence its findings: each must be acknowledged by name', () => {
      const { stack, group } = twoRegionLogGroup();
      acknowledge(group, REFERENCES, 'Trying to silence every region at once, which must not work');
      expect(ruleFindingsOn(validate(stack), group, REFERENCES)).toEqual([`${REFERENCES}[Region::us-east-1]`, `${REFERENCES}[Region::us-west-2]`]);
    });
  });

  describe('refuses a reason a reviewer cannot judge', () => {
    test.each(['not needed', 'Not needed.', 'false positive', 'n/a', 'TODO'])('generic: "%s"', (reason) => {
      const stack = newStack();
      const key = new kms.Key(stack, 'Key');
      expect(() => acknowledge(key, IAM_AUTH, reason)).toThrow(/the reason must say why this rule does not apply to this resource/);
    });

    test('too short (under 30 characters), even when specific', () => {
      const stack = newStack();
      const key = new kms.Key(stack, 'Key');
      expect(() => acknowledge(key, IAM_AUTH, 'DPO-only replica, no users')).toThrow(/in at least 30 characters; got "DPO-only replica, no users"/);
    });

    test('names the construct and the rule in the error', () => {
      const stack = newStack();
      const key = new kms.Key(stack, 'Key');
      expect(() => acknowledge(key, IAM_AUTH, '   ')).toThrow(/acknowledge GDPR-Art32-DatabaseIamAuth on S\/Key/);
    });

    test('a refused acknowledgment leaves the finding in place', () => {
      const stack = newStack();
      const cluster = new rds.DatabaseCluster(stack, 'Cluster', clusterProps(isolatedVpc(stack)));
      expect(() => acknowledge(cluster, IAM_AUTH, 'not needed')).toThrow();
      expect(ruleFindingsOn(validate(stack), cluster, IAM_AUTH)).toEqual([IAM_AUTH]);
    });
  });
});

describe('qualifyRuleId', () => {
  test.each([
    ['AwsSolutions-IAM4', undefined, 'AwsSolutions-IAM4'],
    ['AwsSolutions::AwsSolutions-IAM4', undefined, 'AwsSolutions-IAM4'],
    ['  GDPR-Art32-DatabaseIamAuth  ', undefined, 'GDPR-Art32-DatabaseIamAuth'],
    ['GDPR::GDPR-Art32-DatabaseIamAuth', undefined, 'GDPR-Art32-DatabaseIamAuth'],
    ['AwsSolutions-IAM4', 'Policy::arn:<AWS::Partition>:iam::aws:policy/AdministratorAccess', 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AdministratorAccess]'],
    [
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AdministratorAccess]',
      undefined,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AdministratorAccess]',
    ],
    ['GDPR-Art44-RegionReferencesAllowed', 'Region::us-east-1', 'GDPR-Art44-RegionReferencesAllowed[Region::us-east-1]'],
    ['GDPR::GDPR-Art44-RegionReferencesAllowed[Region::us-east-1]', undefined, 'GDPR-Art44-RegionReferencesAllowed[Region::us-east-1]'],
    ['GDPR-Art5-StatefulResourceRetained[DeletionPolicy]', 'DeletionPolicy', 'GDPR-Art5-StatefulResourceRetained[DeletionPolicy]'],
    ['HIPAA.Security-IAMNoInlinePolicy', undefined, 'HIPAA.Security-IAMNoInlinePolicy'],
  ])('%s with finding %s -> %s', (ruleId, finding, expected) => {
    expect(qualifyRuleId(ruleId, finding)).toBe(expected);
  });

  test('refuses something that is not a rule id', () => {
    expect(() => qualifyRuleId('IAM4')).toThrow(/"IAM4" is not a rule id; expected <pack>-<rule>/);
    expect(() => qualifyRuleId('')).toThrow(/is not a rule id/);
  });

  test('refuses a namespace that is not the rule pack', () => {
    expect(() => qualifyRuleId('AwsSolutions::GDPR-Art32-DatabaseIamAuth')).toThrow(/names pack AwsSolutions but rule GDPR-Art32-DatabaseIamAuth belongs to GDPR/);
  });

  test('refuses two different findings', () => {
    expect(() => qualifyRuleId('GDPR-Art5-StatefulResourceRetained[DeletionPolicy]', 'UpdateReplacePolicy')).toThrow(
      /already names finding DeletionPolicy; got another finding UpdateReplacePolicy/,
    );
  });

  // A finding's own `::` (Region::us-east-1) must not be read as a pack namespace.
  test.each([
    'GDPR-Art44-RegionReferencesAllowed[Region::us-east-1]',
    'GDPR-Art32-NoWildcardDataAccess[Action::rds-db:connect]',
  ])('accepts the inline finding form cdk-nag prints: %s', (printed) => {
    expect(qualifyRuleId(printed)).toBe(printed);
  });
});

describe('reasonProblem (shared by acknowledge and gdpr-baseline check)', () => {
  test.each(['', '   ', 'ok', 'OK.', 'false positive', 'Not applicable', 'short but specific reason'])('refuses "%s"', (reason) => {
    expect(reasonProblem(reason)).toMatch(/in at least 30 characters; got/);
  });

  test.each([undefined, null, 42, { text: SPECIFIC_REASON }])('refuses a reason that is not text: %p', (reason) => {
    expect(reasonProblem(reason)).toMatch(/^the reason must be text/);
  });

  test('accepts a specific reason of 30 characters or more', () => {
    expect(reasonProblem(SPECIFIC_REASON)).toBeUndefined();
  });
});

describe('splitNamedAcknowledgment', () => {
  test.each([
    ['GDPR-Art32-EncryptedWithCmk', { ruleId: 'GDPR-Art32-EncryptedWithCmk' }],
    ['GDPR-Art32-EncryptedWithCmk@S/Bucket/Resource', { ruleId: 'GDPR-Art32-EncryptedWithCmk', target: 'S/Bucket/Resource' }],
    ['GDPR-Art44-RegionReferencesAllowed[Region::us-east-1]@Logs1234', { ruleId: 'GDPR-Art44-RegionReferencesAllowed[Region::us-east-1]', target: 'Logs1234' }],
    // An @ inside a finding (an e-mail address in an ARN, say) is part of the finding.
    ['GDPR-Art32-NoWildcardDataAccess[Resource::arn:x:user@example.org]', { ruleId: 'GDPR-Art32-NoWildcardDataAccess[Resource::arn:x:user@example.org]' }],
  ])('%s', (id, expected) => {
    expect(splitNamedAcknowledgment(id)).toEqual(expected);
  });
});
