import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { declaredParties } from '../../lib/config/declared';
import { BreachDetection, type BreachDetectionProps } from '../../lib/breach/breach-detection';
import { DETECTIONS } from '../../lib/breach/detections';
import { type BaselineConfig, permittedRegions } from '../../lib/config/schema';
import { Catalog } from '../../lib/catalog/catalog';
import { renderBreachRunbook } from '../../lib/review/breach-runbook';
import { recordOfProcessing, renderRecordOfProcessing } from '../../lib/review/record-of-processing';
import { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { problems } from '../helpers/config';
import { defaultConfigInput } from '../helpers/reference';
import { validate } from '../nag/helpers';
import { baselineStacks, configWith, ORGANISATION_TRAIL, unacknowledgedFindings, useOrganisationTrail } from './helpers';

/*
 * landingZone.organisationTrail: the organisation trail (AWS Control Tower, Landing Zone Accelerator)
 * records the account, so the stack creates no trail of its own; the detections still work (EventBridge
 * of each member account receives the management events the organisation trail records).
 */

let config: BaselineConfig;
let stack: ContactBaselineStack;
let template: Template;
beforeAll(() => {
  config = configWith((c) => useOrganisationTrail(c));
  stack = baselineStacks(config).find((s): s is ContactBaselineStack => s instanceof ContactBaselineStack)!;
  template = Template.fromStack(stack);
});

describe('with the organisation trail', () => {
  test('the stack has no trail, no trail bucket and no trail log group of its own', () => {
    template.resourceCountIs('AWS::CloudTrail::Trail', 0);
    expect(stack.breach.auditTrail).toBeUndefined();
    expect(stack.breach.organisationTrail?.trailArn).toBe(ORGANISATION_TRAIL.trailArn);
    // The buckets left are the extracts' (processors), none with the trail's object lock.
    expect(Object.values(template.findResources('AWS::S3::Bucket')).filter((b: any) => b.Properties.ObjectLockConfiguration)).toEqual([]);
  });

  test('every detection is still an EventBridge rule that reaches the DPO notifier', () => {
    for (const detection of DETECTIONS) {
      const rule = stack.breach.rules[detection.id];
      expect(rule).toBeDefined();
      template.hasResourceProperties('AWS::Events::Rule', {
        Description: Match.stringLikeRegexp(detection.description.slice(0, 40).replace(/[()[\]{}.*+?^$|\\]/g, '.')),
        Targets: Match.arrayWith([Match.objectLike({ Arn: { 'Fn::GetAtt': [stack.getLogicalId(stack.breach.notification.notifier.function.node.defaultChild as never), 'Arn'] } })]),
      });
    }
    expect(Object.keys(stack.breach.invocationRules)).toEqual(expect.arrayContaining(['Notifier', 'Schema', 'RetentionPurge']));
  });

  test('the missing trail is acknowledged on the database, naming the organisation trail, its bucket, account and key', () => {
    const cluster = template.toJSON().Resources[stack.getLogicalId(stack.database.cluster.node.defaultChild as never)];
    const acks = cluster.Metadata.cdk_nag.rules_to_suppress as { id: string; reason: string }[];
    const ack = acks.find((a) => a.id === 'GDPR-Art33-TrailEncryptedAndValidated[NoTrail]');
    expect(ack?.reason).toContain(ORGANISATION_TRAIL.trailArn);
    expect(ack?.reason).toContain(ORGANISATION_TRAIL.bucketName);
    expect(ack?.reason).toContain(ORGANISATION_TRAIL.account);
    expect(ack?.reason).toContain(ORGANISATION_TRAIL.kmsKeyArn);
  });

  test('the record of processing points to the organisation trail', () => {
    const record = renderRecordOfProcessing(recordOfProcessing(config, Catalog.fromConfig(config), [{ name: stack.stackName, template: template.toJSON(), catalogSql: stack.schema.catalogSql } as never]));
    expect(record).toContain('- Audit trail: none in these templates; the organisation trail that records the account is named in the acknowledgment of GDPR-Art33-TrailEncryptedAndValidated below.');
    expect(record).toContain(ORGANISATION_TRAIL.trailArn);
  });

  test('every pack: zero unacknowledged findings', () => {
    expect(unacknowledgedFindings(stack, config)).toEqual([]);
  });

  test('declared to record Lambda data events: no warning', () => {
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('Lambda data events'));
  });
});

describe('the acknowledgment silences the missing trail only', () => {
  test('a trail of the stack that is neither encrypted nor validated is still reported (runs last: it changes the stack)', () => {
    new cloudtrail.Trail(stack, 'ShadowTrail', { enableFileValidation: false });
    const findings = validate(stack, { allowedRegions: permittedRegions(config), declared: declaredParties(config) }).violations.map((v) => v.ruleName);
    expect(findings.filter((f) => f.startsWith('GDPR-Art33-TrailEncryptedAndValidated')).sort()).toEqual([
      expect.stringMatching(/^GDPR-Art33-TrailEncryptedAndValidated\[NotEncrypted::ShadowTrail/),
      expect.stringMatching(/^GDPR-Art33-TrailEncryptedAndValidated\[NotValidated::ShadowTrail/),
    ]);
  });
});

describe('the breach runbook with the organisation trail', () => {
  test('names the organisation trail as the evidence, not a trail of the stack locked for breach.trailRetentionDays', () => {
    const text = renderBreachRunbook(config, Catalog.fromConfig(config));
    expect(text).toContain(`The organisation trail (${ORGANISATION_TRAIL.trailArn}, bucket ${ORGANISATION_TRAIL.bucketName} of the log archive account ${ORGANISATION_TRAIL.account}) is the evidence`);
    expect(text).not.toContain('breach.trailRetentionDays');
    const own = renderBreachRunbook(configWith(() => undefined), Catalog.fromConfig(configWith(() => undefined)));
    expect(own).toContain('locked for 365 days, `breach.trailRetentionDays`) is the evidence');
  });
});

describe('the configuration of the organisation trail', () => {
  const withTrail = (change: (t: Record<string, any>) => void) => {
    const cfg = defaultConfigInput();
    useOrganisationTrail(cfg);
    change(cfg.landingZone.organisationTrail);
    return problems(cfg);
  };

  test('a valid one has no problem', () => {
    expect(withTrail(() => undefined)).toEqual([]);
  });

  test('a trail without log file validation is refused, saying how to turn it on', () => {
    expect(withTrail((t) => (t.logFileValidation = false))).toEqual([
      expect.stringMatching(/^landingZone\.organisationTrail\.logFileValidation: the organisation trail must validate its log files \(aws cloudtrail update-trail --name <trail> --enable-log-file-validation\)/),
    ]);
  });

  test('an alias or an AWS-managed key is refused: one line naming the field', () => {
    const lines = withTrail((t) => (t.kmsKeyArn = 'arn:aws:kms:eu-west-3:999988887777:alias/aws/cloudtrail'));
    expect(lines).toEqual([expect.stringMatching(/^landingZone\.organisationTrail\.kmsKeyArn: must be a KMS key ARN .*an alias or an AWS-managed key is refused; got "arn:aws:kms:eu-west-3:999988887777:alias\/aws\/cloudtrail"$/)]);
  });

  test('a trail or key outside the permitted regions is refused (its records name people)', () => {
    expect(withTrail((t) => (t.kmsKeyArn = t.kmsKeyArn.replace('eu-west-3', 'us-east-1')))).toEqual([
      expect.stringMatching(/^landingZone\.organisationTrail\.kmsKeyArn: the trail key is in us-east-1, outside the permitted regions \(eu-west-3, eu-west-1, eu-central-1\)/),
    ]);
    expect(withTrail((t) => (t.trailArn = t.trailArn.replace('eu-west-3', 'us-east-1')))).toEqual([
      expect.stringMatching(/^landingZone\.organisationTrail\.trailArn: the organisation trail's home region us-east-1 is outside the permitted regions/),
    ]);
  });

  test('a key of an account that is neither the trail\'s nor the log archive\'s is refused', () => {
    expect(withTrail((t) => (t.kmsKeyArn = t.kmsKeyArn.replace('999988887777', '123412341234')))).toEqual([
      expect.stringMatching(/^landingZone\.organisationTrail\.kmsKeyArn: the key is in account 123412341234, neither the trail's account nor the log archive account 888877776666/),
    ]);
  });

  test('breach.trailRetentionDays is refused beside it: the log archive bucket keeps the log files, and the value would silently do nothing', () => {
    const cfg = defaultConfigInput();
    useOrganisationTrail(cfg);
    cfg.breach.trailRetentionDays = 730;
    expect(problems(cfg)).toEqual([
      "breach.trailRetentionDays: the organisation trail (landingZone.organisationTrail) keeps its log files in bucket aws-controltower-logs-888877776666-eu-west-3 by that bucket's lifecycle, not the stack's; remove breach.trailRetentionDays, and check the log archive keeps them at least 365 days (art. 33(5)); got 730",
    ]);
  });

  test('BreachDetection refuses trailRetention beside organisationTrail too, for a construct user', () => {
    const props = { organisationTrail: ORGANISATION_TRAIL, trailRetention: Duration.days(730) } as unknown as BreachDetectionProps; // refused before any other prop is read
    expect(() => new BreachDetection(new Stack(), 'Breach', props)).toThrow(
      /^BreachDetection: trailRetention applies to the stack's own trail; the organisation trail arn:aws:cloudtrail:eu-west-3:999988887777:trail\/aws-controltower-BaselineCloudTrail keeps its log files in bucket aws-controltower-logs-888877776666-eu-west-3 by that bucket's lifecycle\. Remove trailRetention beside organisationTrail$/,
    );
  });

  test('a bucket name, account id or trail ARN that is not one: one line each', () => {
    const lines = withTrail((t) => {
      t.bucketName = 'Logs_Bucket';
      t.account = '8888';
      t.trailArn = 'aws-controltower-BaselineCloudTrail';
    });
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => l.split(':')[0]).sort()).toEqual(['landingZone.organisationTrail.account', 'landingZone.organisationTrail.bucketName', 'landingZone.organisationTrail.trailArn']);
  });
});

describe('an organisation trail that does not record the invocations of the kit\'s functions', () => {
  test('leaves a warning that says what to add to it', () => {
    const other = baselineStacks(configWith((c) => useOrganisationTrail(c, { recordsLambdaDataEvents: false })))[0];
    Annotations.fromStack(other).hasWarning('/GdprContactBaseline/Breach', Match.stringLikeRegexp('not declared to record Lambda data events.*recordsLambdaDataEvents: true'));
  });
});
