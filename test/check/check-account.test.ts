import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { inferAccount } from '../../lib/check/run';
import { runCli } from '../../lib/cli/gdpr-baseline';
import { DEFAULT_CONFIG_PATH, defaultConfig, referenceAssembly } from '../helpers/reference';

const TRUST = 'GDPR-Art28-ProcessorTrustBounded';
const BOUNDED = 'GDPR-Art32-ResourcePolicyBounded';
const OWN = defaultConfig().environment.account;
const PROCESSOR = defaultConfig().subcontractors[0].accountId;
const STRANGER = '999988887777';

/** Runs `gdpr-baseline check --format json` in-process, as the binary does. */
function check(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = runCli(['check', '--format', 'json', ...args], { out: (t) => void (stdout += t), err: (t) => void (stderr += t) });
  const report = status === 2 ? undefined : JSON.parse(stdout);
  return { status, stderr, report, rules: (report?.findings ?? []).map((f: { ruleId: string }) => f.ruleId) as string[] };
}

const dir = mkdtempSync(join(tmpdir(), 'gdpr-check-account-'));
const template = (name: string, resources: object): string => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ Resources: resources }));
  return path;
};
const bucketPolicy = (principal: object | string, condition?: object) => ({
  Type: 'AWS::S3::BucketPolicy',
  Properties: {
    Bucket: 'contacts-export',
    PolicyDocument: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: principal, Action: 's3:GetObject', Resource: 'arn:aws:s3:::contacts-export/*', ...(condition ? { Condition: condition } : {}) }],
    },
  },
});

describe('check of the reference template file alone (no manifest)', () => {
  let assemblyDir: string;
  let file: string;
  beforeAll(() => {
    assemblyDir = referenceAssembly();
    file = join(dir, 'reference.template.json');
    copyFileSync(join(assemblyDir, 'GdprContactBaseline.template.json'), file);
  });

  test('with --account, its human roles are no cross-account trust', () => {
    const run = check(file, '--region', 'eu-west-3', '--account', OWN);
    expect(run.report.templates[0]).toMatchObject({ account: OWN, accountFrom: 'option' });
    expect(run.rules.filter((r) => r.startsWith(TRUST))).toEqual([]);
  });

  test('without --account, the one account of its own ARNs is inferred, and said so', () => {
    const run = check(file, '--region', 'eu-west-3');
    expect(run.report.templates[0]).toMatchObject({ account: OWN, accountFrom: 'inferred' });
    expect(run.rules.filter((r) => r.startsWith(TRUST))).toEqual([]);
    // The backup account is named by the database key policy: undeclared without the configuration.
    expect(run.rules).toEqual([`${BOUNDED}[Account::${defaultConfig().backup.copyTarget?.account}]`]);
  });

  test('with --config as well, nothing is left', () => {
    expect(check(file, '--region', 'eu-west-3', '--config', DEFAULT_CONFIG_PATH).rules).toEqual([]);
  });

  test('checked as another account, its roles are cross-account trusts (the findings the account removes)', () => {
    const run = check(file, '--region', 'eu-west-3', '--account', STRANGER);
    expect(run.rules.filter((r) => r.startsWith(TRUST)).length).toBeGreaterThan(0);
  });

  test('the whole assembly without --config: the accounts of its own stacks are the app, not strangers', () => {
    const run = check(assemblyDir);
    expect(run.report.templates.map((t: { accountFrom: string }) => t.accountFrom)).toEqual(['manifest', 'manifest']);
    expect(run.rules).toEqual([]);
  });

  test("a manifest's account wins over --account", () => {
    const run = check(assemblyDir, '--account', STRANGER, '--config', DEFAULT_CONFIG_PATH);
    expect(run.report.templates[0]).toMatchObject({ account: OWN, accountFrom: 'manifest' });
    expect(run.rules).toEqual([]);
  });
});

describe("an assembly's own accounts are allowed, no other", () => {
  test('a policy naming the account of another stack of the assembly passes; one naming a stranger stays a finding', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'gdpr-check-app-accounts-')) });
    const SIBLING = '444455556666';
    const own = new Stack(app, 'Own', { env: { account: OWN, region: 'eu-west-3' } });
    const sibling = new Stack(app, 'Sibling', { env: { account: SIBLING, region: 'eu-west-3' } });
    new CfnResource(sibling, 'Handle', { type: 'AWS::CloudFormation::WaitConditionHandle' });
    new CfnResource(own, 'ToSibling', { type: 'AWS::S3::BucketPolicy', properties: bucketPolicy({ AWS: `arn:aws:iam::${SIBLING}:root` }).Properties });
    new CfnResource(own, 'ToStranger', { type: 'AWS::S3::BucketPolicy', properties: bucketPolicy({ AWS: `arn:aws:iam::${STRANGER}:root` }).Properties });
    const run = check(app.synth().directory);
    expect(run.rules.filter((r) => r.startsWith(BOUNDED))).toEqual([`${BOUNDED}[Account::${STRANGER}]`]);
    // The same template alone (no manifest): the sibling is a stranger too.
    const alone = check(join(app.outdir, 'Own.template.json'), '--region', 'eu-west-3', '--account', OWN);
    expect(alone.rules.filter((r) => r.startsWith(BOUNDED)).sort()).toEqual([`${BOUNDED}[Account::${SIBLING}]`, `${BOUNDED}[Account::${STRANGER}]`]);
  });
});

describe('--account is validated: 12 digits, else exit 2 with one line', () => {
  test.each(['12345', '1111222233334', 'abcdefghijkl', '11112222333a', ''])('%p', (bad) => {
    const run = check(template('any.json', { Topic: { Type: 'AWS::SNS::Topic' } }), '--region', 'eu-west-3', '--account', bad);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^gdpr-baseline: check: (--account must be an AWS account id of 12 digits, such as 111122223333; got .*|--account needs a value; .*)\n$/);
  });
});

describe('inference cannot be steered by the accounts a template grants to', () => {
  test('a template whose only ARNs name the grantee infers no account: the grant stays a finding', () => {
    const path = template('grant-only.json', {
      Policy: bucketPolicy({ AWS: `arn:aws:iam::${STRANGER}:root` }),
      Trust: {
        Type: 'AWS::IAM::Role',
        Properties: { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${STRANGER}:root` }, Action: 'sts:AssumeRole' }] } },
      },
      Pinned: bucketPolicy('*', { StringEquals: { 'aws:PrincipalAccount': STRANGER } }),
      Invoke: { Type: 'AWS::Lambda::Permission', Properties: { Action: 'lambda:InvokeFunction', FunctionName: 'f', Principal: 'events.amazonaws.com', SourceArn: `arn:aws:events:eu-west-3:${STRANGER}:rule/r` } },
    });
    expect(inferAccount(JSON.parse(readFileSync(path, 'utf8')))).toBeUndefined();
    const run = check(path, '--region', 'eu-west-3');
    expect(run.report.templates[0].account).toBeUndefined();
    expect(run.rules).toEqual(expect.arrayContaining([`${BOUNDED}[Account::${STRANGER}]`, `${TRUST}[ExternalId::${STRANGER}]`]));
  });

  test('two accounts in its own ARNs: ambiguous, no account is guessed', () => {
    const path = template('two-accounts.json', {
      A: { Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: `arn:aws:kms:eu-west-3:${OWN}:key/1` } },
      B: { Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: `arn:aws:kms:eu-west-3:${STRANGER}:key/2` } },
    });
    expect(check(path, '--region', 'eu-west-3').report.templates[0].account).toBeUndefined();
    let human = '';
    runCli(['check', path, '--region', 'eu-west-3'], { out: (t) => void (human += t), err: () => undefined });
    expect(human).toMatch(/two-accounts\.json \(eu-west-3, account unknown: pass --account, 2 resources\)/);
  });
});

describe('--config declares the processors: their accounts pass only with it', () => {
  test('a bucket policy naming the declared processor account', () => {
    const path = template('processor.json', { Policy: bucketPolicy({ AWS: `arn:aws:iam::${PROCESSOR}:role/statistics` }) });
    expect(check(path, '--region', 'eu-west-3', '--account', OWN).rules).toEqual([`${BOUNDED}[Account::${PROCESSOR}]`]);
    expect(check(path, '--region', 'eu-west-3', '--account', OWN, '--config', DEFAULT_CONFIG_PATH).rules).toEqual([]);
  });

  test('an account the configuration does not declare still fails with it', () => {
    const path = template('stranger.json', { Policy: bucketPolicy({ AWS: STRANGER }) });
    expect(check(path, '--region', 'eu-west-3', '--account', OWN, '--config', DEFAULT_CONFIG_PATH).rules).toEqual([`${BOUNDED}[Account::${STRANGER}]`]);
  });
});
