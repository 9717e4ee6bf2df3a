import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TemplateInput } from '../../lib/check/templates';
import { type CostEstimate, estimateCost, formatCost, HOURS_PER_MONTH } from '../../lib/cost/estimate';
import { PRICES } from '../../lib/cost/prices';
import { cli } from '../helpers/cli';
import { referenceStackTemplates } from '../helpers/reference';

/** The estimate of the reference (production) baseline: the stack and its backup account's stack. */
let inputs: TemplateInput[];
let estimate: CostEstimate;
let dir: string;
const paris = PRICES.regions['eu-west-3'];
const line = (e: CostEstimate, item: string) => e.lines.find((l) => l.item === item);

beforeAll(() => {
  // The reference app as synthesized once for the run: the production stack, then its backup account's.
  inputs = referenceStackTemplates().map((s) => ({ path: s.name, name: s.name, region: s.region, template: s.template as TemplateInput['template'] }));
  expect(inputs.map((i) => [i.name, i.region])).toEqual([['GdprContactBaseline', 'eu-west-3'], ['GdprContactBaselineBackupAccount', 'eu-west-3']]);
  estimate = estimateCost(inputs);
  dir = mkdtempSync(join(tmpdir(), 'gdpr-cost-'));
  writeFileSync(join(dir, 'main.json'), JSON.stringify(inputs[0].template));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the reference (production) estimate, line by line from the templates', () => {
  test('names every line charged at a price the table has not confirmed at its source, and only those', () => {
    const checked = PRICES.checked['eu-west-3'];
    const expected = estimate.lines.filter((l) => !checked.includes(l.price)).map((l) => `${l.item} (eu-west-3)`);
    expect(expected).toEqual(expect.arrayContaining(['Client VPN associations (eu-west-3)', 'Aurora Serverless v2 capacity (eu-west-3)']));
    expect(estimate.unconfirmedPrices).toEqual(expected);
    expect(estimate.unconfirmedPrices).not.toContain('CloudWatch alarms (eu-west-3)'); // confirmed in Paris
    expect(formatCost(estimate)).toContain(`Prices not yet confirmed at their source (check them before relying on the total): ${expected.join(', ')}`);
    // With every price confirmed, nothing is reported.
    const allChecked = { ...PRICES, checked: { 'eu-west-3': Object.keys(PRICES.sources) as (keyof typeof paris)[] } };
    const confirmed = estimateCost(inputs, { prices: allChecked });
    expect(confirmed.unconfirmedPrices).toEqual([]);
    expect(formatCost(confirmed)).not.toContain('not yet confirmed');
  });

  test('two Client VPN associations all month, and five users 176 h each by default', () => {
    expect(estimate.profile).toBe('production');
    expect(line(estimate, 'Client VPN associations')).toMatchObject({ quantity: 2 * HOURS_PER_MONTH, unitPrice: paris.clientVpnAssociationHour });
    expect(line(estimate, 'Client VPN connections')).toMatchObject({ quantity: 5 * 176, monthly: 5 * 176 * paris.clientVpnConnectionHour });
  });

  test('two Aurora Serverless v2 instances at the 0.5 ACU minimum', () => {
    expect(line(estimate, 'Aurora Serverless v2 capacity')).toMatchObject({ quantity: 2 * 0.5 * HOURS_PER_MONTH, unitPrice: paris.auroraAcuHour });
  });

  test('three interface endpoints (KMS, Secrets Manager, SNS) in two zones, nine KMS keys (one in the backup account), two secrets (one managed by RDS)', () => {
    expect(line(estimate, 'Interface endpoints')?.quantity).toBe(3 * 2 * HOURS_PER_MONTH);
    expect(line(estimate, 'KMS keys')?.quantity).toBe(9);
    expect(line(estimate, 'Secrets Manager secrets')?.quantity).toBe(2);
    expect(line(estimate, 'Backup storage')?.quantity).toBe(2 * 20);
  });

  test('the total is the sum of the lines, and every volume-driven line says what it assumes', () => {
    expect(estimate.total).toBeCloseTo(estimate.lines.reduce((s, l) => s + l.monthly, 0), 2);
    for (const item of ['Client VPN connections', 'Aurora storage', 'Aurora I/O', 'Backup storage', 'CloudWatch Logs ingestion', 'CloudTrail data events']) {
      expect([item, line(estimate, item)?.assumption]).toEqual([item, expect.any(String)]);
    }
    expect(formatCost(estimate)).toMatch(/^Monthly cost estimate \(production profile, eu-west-3\): \$[\d,.]+, at USD list prices of \d{4}-\d{2}-\d{2}\n/);
  });

  test('another region prices the same resources at its own prices', () => {
    const frankfurt = estimateCost(inputs, { region: 'eu-central-1' });
    expect(frankfurt.regions).toEqual(['eu-central-1']);
    expect(line(frankfurt, 'Interface endpoints')?.unitPrice).toBe(PRICES.regions['eu-central-1'].interfaceEndpointZoneHour);
  });

  test('--users and --hours change the connection line only', () => {
    const ten = estimateCost(inputs, { users: 10, hours: 40 });
    expect(line(ten, 'Client VPN connections')?.quantity).toBe(400);
    expect(line(ten, 'Aurora Serverless v2 capacity')).toEqual(line(estimate, 'Aurora Serverless v2 capacity'));
  });
});

describe('a paused database and unknown values', () => {
  const cluster = (scaling: unknown) =>
    ({
      path: 't.json',
      name: 't.json',
      region: 'eu-west-3',
      template: {
        Resources: {
          Db: { Type: 'AWS::RDS::DBCluster', Properties: { ServerlessV2ScalingConfiguration: scaling } },
          W: { Type: 'AWS::RDS::DBInstance', Properties: { DBClusterIdentifier: { Ref: 'Db' }, DBInstanceClass: 'db.serverless' } },
          E: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Interface', SubnetIds: { 'Fn::Split': [',', 'x'] } } },
        },
      },
    }) as TemplateInput;

  test('0 ACU: priced at 0.5 ACU for the users\' hours and the nightly purges, not all month', () => {
    const e = estimateCost([cluster({ MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 600 })], { hours: 100 });
    expect(line(e, 'Aurora Serverless v2 capacity')?.quantity).toBeCloseTo(0.5 * (100 + (30 * 15) / 60), 3);
  });

  test('a value the template does not hold literally is priced conservatively and named in the assumptions', () => {
    const e = estimateCost([cluster({ MinCapacity: { Ref: 'Min' } })]);
    expect(line(e, 'Aurora Serverless v2 capacity')?.quantity).toBe(0.5 * HOURS_PER_MONTH);
    expect(e.assumptions).toContainEqual('Db: ServerlessV2ScalingConfiguration.MinCapacity is not a literal number; priced at 0.5 ACU');
    expect(e.assumptions).toContainEqual('E: SubnetIds is not a literal list; priced in 2 zones');
  });
});

describe('gdpr-baseline cost', () => {
  test('prints the estimate of a template file, in the region given', () => {
    const { status, stdout } = cli('cost', join(dir, 'main.json'), '--region', 'eu-west-3');
    expect(status).toBe(0);
    expect(stdout).toMatch(/Client VPN associations +1,460 association-hours/);
    expect(stdout).toMatch(/\n {2}Total +\$[\d,.]+\n/);
    expect(stdout).toContain('Assumptions:');
  });

  test('--format json gives the same estimate as data', () => {
    const { status, stdout } = cli('cost', join(dir, 'main.json'), '--region', 'eu-west-3', '--format', 'json', '--users', '5', '--hours', '176');
    expect(status).toBe(0);
    const json = JSON.parse(stdout) as CostEstimate;
    expect(json.lines.find((l) => l.item === 'Client VPN associations')?.monthly).toBe(line(estimate, 'Client VPN associations')?.monthly);
  });

  test.each([
    [['--region', 'eu-west-3', '--usrs', '3'], /^gdpr-baseline: cost: unknown option --usrs \(did you mean --users\?\)/],
    [['--region', 'eu-west-3', '--users', '-1'], /cost: --users needs a value/],
    [['--region', 'eu-west-3', '--users', '2.5'], /cost: --users must be the number of people connected, a whole number from 0 to 10000; got 2\.5/],
    [['--region', 'eu-west-3', '--hours', '800'], /cost: --hours must be .* from 0 to 730; got 800/],
    [['--region', 'us-east-1'], /no prices for us-east-1: the table covers eu-west-1, .*; pass --region with one of them/],
    [['--region', 'eu-west-3', '--format', 'csv'], /cost: --format must be one of human, json; got csv/],
    [[], /does not say which region it deploys to; pass --region/],
  ])('refuses %j with exit 2 and one line', (args, message) => {
    const { status, stdout, stderr } = cli('cost', join(dir, 'main.json'), ...(args as string[]));
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  test('a path that is not there, or no path, is a usage error', () => {
    expect(cli('cost', join(dir, 'missing.json')).status).toBe(2);
    expect(cli('cost').stderr).toMatch(/cost needs a path/);
  });
});
