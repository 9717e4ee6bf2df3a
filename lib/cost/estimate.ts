/* eslint-disable @typescript-eslint/no-explicit-any */
import type { TemplateInput } from '../check/templates';
import { PROFILE_METADATA } from '../marks/tags';
import { PRICES, type PriceTable, type RegionPrices } from './prices';

/** Hours in an average month (365 × 24 / 12), as AWS's own calculator counts them. */
export const HOURS_PER_MONTH = 730;

/** Who uses the VPN, per profile, when --users and --hours are not given (README, "Costs"). */
export const USAGE_DEFAULTS = {
  /** The reference company's five staff who reach the database, 8 h a day, 22 days a month. */
  production: { users: 5, hours: 176 },
  /** Two developers, the same working month. */
  development: { users: 2, hours: 176 },
} as const;

/**
 * The volumes the templates do not say, stated with every estimate. Sized for
 * a contact database of a small or mid-sized company (100,000 contacts is
 * well under 1 GB); the figures are deliberately generous.
 */
export const VOLUME_ASSUMPTIONS = {
  databaseStorageGb: 10,
  databaseIoMillions: 5,
  /** What a vault keeps of the daily recovery points (incremental) over the retention: twice the database. */
  backupGbPerVault: 20,
  /** Capacity of a paused (0 ACU) instance while it runs: it resumes at 0.5 ACU. */
  resumedAcu: 0.5,
  /** A paused database wakes for the nightly purge, and stays up until it pauses again. */
  wakeupsPerMonth: 30,
  /** Minutes a wakeup lasts besides the idle time before pausing (the purge itself, the resume). */
  wakeupMinutes: 5,
  logIngestionGbPerGroup: 0.25,
  bucketGb: 0.5,
  dataEventsPerMonth: 1_000,
} as const;

/** What the estimate leaves out: usage-priced services that cost pennies at this volume. */
export const NOT_PRICED = [
  'Lambda invocations and duration (the purge nightly, the schema function at deploy, the notifier on a detection)',
  'EventBridge rules on AWS service events (free), SNS e-mails and SQS messages (a few a month)',
  'Systems Manager Automation (the default security group closer: two steps at a deployment that changes the group)',
  'VPC endpoint data processing ($0.01 per GB) and data transfer',
  'KMS requests (20,000 a month are free), Performance Insights (7 days free)',
  'CloudTrail management events (the first copy of each is free; a second trail in the account pays $2.00 per 100,000)',
  'GuardDuty (enabled per account, outside these templates), support plans, taxes',
];

export interface CostOptions {
  /** Price as if deployed in this region. @default - where each template deploys */
  readonly region?: string;
  /** People connected through the VPN. @default - USAGE_DEFAULTS of the templates' profile */
  readonly users?: number;
  /** Hours each of them is connected a month. @default - USAGE_DEFAULTS of the templates' profile */
  readonly hours?: number;
  /** @default PRICES */
  readonly prices?: PriceTable;
}

export interface CostLine {
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly unitPrice: number;
  /** The price of the table it is charged at. */
  readonly price: keyof RegionPrices;
  readonly monthly: number;
  /** What the quantity rests on besides the templates, if anything. */
  readonly assumption?: string;
}

export interface CostEstimate {
  readonly regions: string[];
  readonly profile: 'production' | 'development';
  readonly users: number;
  readonly hours: number;
  readonly lines: CostLine[];
  readonly total: number;
  readonly assumptions: string[];
  readonly notPriced: readonly string[];
  readonly pricesDate: string;
  /** The lines charged at a price the table has not confirmed at its source (`PRICES.checked`), with their region. */
  readonly unconfirmedPrices: string[];
  readonly sources: string[];
}

/** A problem with the input that prevents an estimate (exit code 2). */
export class CostInputError extends Error {}

const cents = (x: number) => Math.round(x * 100) / 100;

function resourcesOf(template: TemplateInput['template'], type: string): [string, any][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type) as [string, any][];
}

/** The logical id a `{ Ref }` names, if it is one. */
const ref = (value: any): string | undefined => (value && typeof value === 'object' && typeof value.Ref === 'string' ? value.Ref : undefined);

/** The lines one template costs in its region (quantities before merging). */
function templateLines(input: TemplateInput, prices: RegionPrices, usage: { users: number; hours: number }, notes: Set<string>): CostLine[] {
  const t = input.template;
  const v = VOLUME_ASSUMPTIONS;
  const lines: CostLine[] = [];
  const line = (item: string, quantity: number, unit: string, price: keyof RegionPrices, assumption?: string) => {
    const unitPrice = prices[price];
    if (quantity > 0) lines.push({ item, quantity, unit, unitPrice, price, monthly: quantity * unitPrice, ...(assumption ? { assumption } : {}) });
  };

  const associations = resourcesOf(t, 'AWS::EC2::ClientVpnTargetNetworkAssociation').length;
  line('Client VPN associations', associations * HOURS_PER_MONTH, 'association-hours', 'clientVpnAssociationHour');
  if (resourcesOf(t, 'AWS::EC2::ClientVpnEndpoint').length > 0) {
    line('Client VPN connections', usage.users * usage.hours, 'connection-hours', 'clientVpnConnectionHour', `${usage.users} users × ${usage.hours} h`);
  }

  const instances = resourcesOf(t, 'AWS::RDS::DBInstance');
  for (const [id, cluster] of resourcesOf(t, 'AWS::RDS::DBCluster')) {
    const p = cluster.Properties ?? {};
    const count = instances.filter(([, i]) => ref(i.Properties?.DBClusterIdentifier) === id && i.Properties?.DBInstanceClass === 'db.serverless').length;
    const scaling = p.ServerlessV2ScalingConfiguration ?? {};
    let min = scaling.MinCapacity;
    if (typeof min !== 'number') {
      notes.add(`${id}: ServerlessV2ScalingConfiguration.MinCapacity is not a literal number; priced at 0.5 ACU`);
      min = 0.5;
    }
    if (min > 0) {
      line('Aurora Serverless v2 capacity', count * min * HOURS_PER_MONTH, 'ACU-hours', 'auroraAcuHour', `${count} instance${count === 1 ? '' : 's'} at the ${min} ACU minimum, all month`);
    } else {
      const pauseMinutes = typeof scaling.SecondsUntilAutoPause === 'number' ? scaling.SecondsUntilAutoPause / 60 : 5;
      const active = Math.min(HOURS_PER_MONTH, usage.hours + (v.wakeupsPerMonth * (pauseMinutes + v.wakeupMinutes)) / 60);
      line(
        'Aurora Serverless v2 capacity',
        count * v.resumedAcu * active,
        'ACU-hours',
        'auroraAcuHour',
        `${count} instance${count === 1 ? '' : 's'} paused at 0 ACU, up at ${v.resumedAcu} ACU ${Math.round(active)} h (the users' ${usage.hours} h and ${v.wakeupsPerMonth} nightly purges of ${pauseMinutes + v.wakeupMinutes} min)`,
      );
    }
    line('Aurora storage', v.databaseStorageGb, 'GB-months', 'auroraStorageGbMonth', `${v.databaseStorageGb} GB of contacts, audit and indexes`);
    line('Aurora I/O', v.databaseIoMillions, 'million requests', 'auroraIoPerMillion', `${v.databaseIoMillions} million a month`);
    if (p.ManageMasterUserPassword === true) line('Secrets Manager secrets', 1, 'secrets', 'secretMonth');
  }

  const vaults = resourcesOf(t, 'AWS::Backup::BackupVault').length + resourcesOf(t, 'AWS::Backup::LogicallyAirGappedBackupVault').length;
  line('Backup storage', vaults * v.backupGbPerVault, 'GB-months', 'auroraBackupGbMonth', `${v.backupGbPerVault} GB of recovery points per vault`);

  let endpointZones = 0;
  for (const [id, endpoint] of resourcesOf(t, 'AWS::EC2::VPCEndpoint')) {
    if (endpoint.Properties?.VpcEndpointType !== 'Interface') continue;
    const subnets = endpoint.Properties?.SubnetIds;
    if (Array.isArray(subnets)) endpointZones += subnets.length;
    else {
      notes.add(`${id}: SubnetIds is not a literal list; priced in 2 zones`);
      endpointZones += 2;
    }
  }
  line('Interface endpoints', endpointZones * HOURS_PER_MONTH, 'endpoint-zone-hours', 'interfaceEndpointZoneHour');

  line('KMS keys', resourcesOf(t, 'AWS::KMS::Key').length, 'keys', 'kmsKeyMonth');
  line('Secrets Manager secrets', resourcesOf(t, 'AWS::SecretsManager::Secret').length, 'secrets', 'secretMonth');

  const dataTrails = resourcesOf(t, 'AWS::CloudTrail::Trail').filter(([, r]) =>
    (r.Properties?.EventSelectors ?? []).some((s: any) => (s.DataResources ?? []).length > 0) || (r.Properties?.AdvancedEventSelectors ?? []).length > 0,
  ).length;
  line('CloudTrail data events', (dataTrails * v.dataEventsPerMonth) / 100_000, '100,000 events', 'cloudTrailDataEventsPer100k', `${v.dataEventsPerMonth.toLocaleString('en-US')} recorded invocations a month`);

  const logGroups = resourcesOf(t, 'AWS::Logs::LogGroup');
  line('CloudWatch Logs ingestion', logGroups.length * v.logIngestionGbPerGroup, 'GB', 'logsIngestionGb', `${v.logIngestionGbPerGroup} GB a month per log group`);
  const stored = logGroups.reduce((gb, [, g]) => {
    const days = g.Properties?.RetentionInDays;
    return gb + v.logIngestionGbPerGroup * Math.min(12, typeof days === 'number' ? days / 30 : 12);
  }, 0);
  line('CloudWatch Logs storage', stored, 'GB-months', 'logsStorageGbMonth', 'what the retention keeps of that volume, at most a year of it');

  line('S3 storage (audit trail, extracts, access logs)', resourcesOf(t, 'AWS::S3::Bucket').length * v.bucketGb, 'GB-months', 's3StandardGbMonth', `${v.bucketGb} GB per bucket`);
  line('CloudWatch alarms', resourcesOf(t, 'AWS::CloudWatch::Alarm').length, 'alarms', 'alarmMonth');
  return lines;
}

/** The profile the templates were synthesized with: development when any carries the kit's development mark. */
export function templatesProfile(inputs: readonly TemplateInput[]): 'production' | 'development' {
  return inputs.some((i) => (i.template.Metadata as any)?.[PROFILE_METADATA] === 'development') ? 'development' : 'production';
}

/** The monthly cost of synthesized templates, line by line, at the shipped list prices. */
export function estimateCost(inputs: readonly TemplateInput[], options: CostOptions = {}): CostEstimate {
  const table = options.prices ?? PRICES;
  const profile = templatesProfile(inputs);
  const usage = { users: options.users ?? USAGE_DEFAULTS[profile].users, hours: options.hours ?? USAGE_DEFAULTS[profile].hours };
  const notes = new Set<string>();
  const regions = new Set<string>();
  const unconfirmed = new Set<string>();
  const merged = new Map<string, CostLine>();
  for (const input of inputs) {
    const region = options.region ?? input.region;
    if (!region) throw new CostInputError(`${input.path}: the template does not say which region it deploys to; pass --region (for example --region eu-west-3)`);
    const prices = Object.hasOwn(table.regions, region) ? table.regions[region] : undefined;
    if (!prices) throw new CostInputError(`no prices for ${region}: the table covers ${Object.keys(table.regions).join(', ')} (the regions the kit deploys to); pass --region with one of them`);
    regions.add(region);
    for (const l of templateLines(input, prices, usage, notes)) {
      if (!(table.checked[region] ?? []).includes(l.price)) unconfirmed.add(`${l.item} (${region})`);
      const key = `${l.item}@${l.unitPrice}`;
      const previous = merged.get(key);
      merged.set(key, previous ? { ...previous, quantity: previous.quantity + l.quantity, monthly: previous.monthly + l.monthly } : l);
    }
  }
  const lines = [...merged.values()].map((l) => ({ ...l, quantity: Math.round(l.quantity * 1000) / 1000, monthly: cents(l.monthly) }));
  const v = VOLUME_ASSUMPTIONS;
  return {
    regions: [...regions],
    profile,
    users: usage.users,
    hours: usage.hours,
    lines,
    total: cents(lines.reduce((sum, l) => sum + l.monthly, 0)),
    assumptions: [
      `${usage.users} users connected ${usage.hours} h a month each (${options.users === undefined && options.hours === undefined ? `the ${profile} default; change with --users and --hours` : 'from --users and --hours'})`,
      `${HOURS_PER_MONTH} hours a month; every resource deployed all month`,
      `database: ${v.databaseStorageGb} GB stored, ${v.databaseIoMillions} million I/O requests; a paused database runs at ${v.resumedAcu} ACU while users are connected and for each of ${v.wakeupsPerMonth} nightly purges`,
      `backups: ${v.backupGbPerVault} GB of recovery points in each vault (this account's and the backup account's)`,
      `logs: ${v.logIngestionGbPerGroup} GB ingested a month per log group; S3: ${v.bucketGb} GB per bucket; CloudTrail: ${v.dataEventsPerMonth.toLocaleString('en-US')} data events a month`,
      ...notes,
    ],
    notPriced: NOT_PRICED,
    pricesDate: table.date,
    unconfirmedPrices: [...unconfirmed],
    sources: [...new Set(Object.values(table.sources))],
  };
}

const usd = (x: number) => `$${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const unitUsd = (x: number) => `$${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 })}`;
const quantity = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 2 });

/** The estimate as a table and its assumptions, for people. */
export function formatCost(e: CostEstimate): string {
  const rows = e.lines.map((l) => [l.item, `${quantity(l.quantity)} ${l.unit}`, unitUsd(l.unitPrice), usd(l.monthly)]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length), ['Line', 'Quantity', 'Unit price', 'Monthly'][i].length));
  const row = (cells: string[]) => `  ${cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ')}`.trimEnd();
  return [
    `Monthly cost estimate (${e.profile} profile, ${e.regions.join(', ')}): ${usd(e.total)}, at USD list prices of ${e.pricesDate}`,
    '',
    row(['Line', 'Quantity', 'Unit price', 'Monthly']),
    ...rows.map(row),
    row(['Total', '', '', usd(e.total)]),
    '',
    'Assumptions:',
    ...e.assumptions.map((a) => `  - ${a}`),
    '',
    'Not priced (pennies at this volume, or outside the templates):',
    ...e.notPriced.map((n) => `  - ${n}`),
    '',
    `Prices: lib/cost/prices.ts (${e.pricesDate}), from ${e.sources.join(' ')}`,
    ...(e.unconfirmedPrices.length > 0 ? [`Prices not yet confirmed at their source (check them before relying on the total): ${e.unconfirmedPrices.join(', ')}`] : []),
    '',
  ].join('\n');
}
/* eslint-enable @typescript-eslint/no-explicit-any */
