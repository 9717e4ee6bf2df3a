/**
 * The price table `gdpr-baseline cost` reads: AWS on-demand list prices in
 * USD, per region the kit may deploy to (the EU member-state regions and the
 * two adequacy regions), without tax, free tier or discounts. Plain data,
 * shipped with the kit: the estimate never calls the network (the Pricing API
 * is not reachable in CI, and a reviewer wants the number before deploying).
 *
 * Dated: test/cost/prices.test.ts fails when `date` is more than a year older
 * than the package's release date (package.json `releaseDate`). To refresh it,
 * re-read every price at its source below, update the figures and `date`.
 *
 * Not every figure has been confirmed at a source: `checked` lists, per region,
 * those that were (against copies of the AWS Price List offer files of
 * September and October 2026, read on 2026-12-02); every other figure is the
 * kit's reading of the AWS pricing pages, and `gdpr-baseline cost` names the
 * unconfirmed prices it uses. Client VPN, the largest line, is confirmed in no
 * EU region yet.
 */

/** The unit prices the estimate uses, for one region. */
export interface RegionPrices {
  /** Client VPN endpoint association, per subnet association and hour. */
  readonly clientVpnAssociationHour: number;
  /** Client VPN connection, per connected client and hour. */
  readonly clientVpnConnectionHour: number;
  /** Aurora Serverless v2 (Aurora Standard), per ACU-hour. */
  readonly auroraAcuHour: number;
  /** Aurora Standard storage, per GB-month. */
  readonly auroraStorageGbMonth: number;
  /** Aurora Standard I/O, per million requests. */
  readonly auroraIoPerMillion: number;
  /** Aurora backup storage beyond the cluster's size (what AWS Backup keeps of an Aurora cluster), per GB-month. */
  readonly auroraBackupGbMonth: number;
  /** Interface VPC endpoint, per endpoint, zone and hour (PrivateLink). */
  readonly interfaceEndpointZoneHour: number;
  /** KMS customer-managed key, per key and month. */
  readonly kmsKeyMonth: number;
  /** Secrets Manager secret, per secret and month. */
  readonly secretMonth: number;
  /** CloudTrail data events delivered, per 100,000 events. */
  readonly cloudTrailDataEventsPer100k: number;
  /** CloudWatch Logs ingestion (standard class), per GB. */
  readonly logsIngestionGb: number;
  /** CloudWatch Logs storage, per GB-month. */
  readonly logsStorageGbMonth: number;
  /** S3 Standard storage, per GB-month (first 50 TB). */
  readonly s3StandardGbMonth: number;
  /** CloudWatch standard-resolution alarm, per alarm and month. */
  readonly alarmMonth: number;
}

export interface PriceTable {
  /** The day the table was last reviewed (YYYY-MM-DD). */
  readonly date: string;
  readonly currency: 'USD';
  /** Where each price comes from. */
  readonly sources: Readonly<Record<keyof RegionPrices, string>>;
  readonly regions: Readonly<Record<string, RegionPrices>>;
  /** Per region, the prices confirmed at a source (the others are unconfirmed, and reported as such). */
  readonly checked: Readonly<Record<string, readonly (keyof RegionPrices)[]>>;
}

const VPN = 'https://aws.amazon.com/vpn/pricing/';
const AURORA = 'https://aws.amazon.com/rds/aurora/pricing/';
const PRIVATELINK = 'https://aws.amazon.com/privatelink/pricing/';
const CLOUDWATCH = 'https://aws.amazon.com/cloudwatch/pricing/';

/** Prices that are the same in every region of the table. */
const SAME_EVERYWHERE = { kmsKeyMonth: 1, secretMonth: 0.4, cloudTrailDataEventsPer100k: 0.1, alarmMonth: 0.1 } as const;

export const PRICES: PriceTable = {
  date: '2026-12-01',
  currency: 'USD',
  sources: {
    clientVpnAssociationHour: VPN,
    clientVpnConnectionHour: VPN,
    auroraAcuHour: AURORA,
    auroraStorageGbMonth: AURORA,
    auroraIoPerMillion: AURORA,
    auroraBackupGbMonth: AURORA,
    interfaceEndpointZoneHour: PRIVATELINK,
    kmsKeyMonth: 'https://aws.amazon.com/kms/pricing/',
    secretMonth: 'https://aws.amazon.com/secrets-manager/pricing/',
    cloudTrailDataEventsPer100k: 'https://aws.amazon.com/cloudtrail/pricing/',
    logsIngestionGb: CLOUDWATCH,
    logsStorageGbMonth: CLOUDWATCH,
    s3StandardGbMonth: 'https://aws.amazon.com/s3/pricing/',
    alarmMonth: CLOUDWATCH,
  },
  regions: {
    'eu-west-1': {
      ...SAME_EVERYWHERE,
      clientVpnAssociationHour: 0.1,
      clientVpnConnectionHour: 0.05,
      auroraAcuHour: 0.13,
      auroraStorageGbMonth: 0.11,
      auroraIoPerMillion: 0.22,
      auroraBackupGbMonth: 0.021,
      interfaceEndpointZoneHour: 0.011,
      logsIngestionGb: 0.57,
      logsStorageGbMonth: 0.03,
      s3StandardGbMonth: 0.023,
    },
    'eu-west-3': {
      ...SAME_EVERYWHERE,
      clientVpnAssociationHour: 0.1,
      clientVpnConnectionHour: 0.05,
      auroraAcuHour: 0.14,
      auroraStorageGbMonth: 0.11,
      auroraIoPerMillion: 0.22,
      auroraBackupGbMonth: 0.022,
      interfaceEndpointZoneHour: 0.012,
      logsIngestionGb: 0.5985,
      logsStorageGbMonth: 0.0315,
      s3StandardGbMonth: 0.024,
    },
    'eu-central-1': {
      ...SAME_EVERYWHERE,
      clientVpnAssociationHour: 0.1,
      clientVpnConnectionHour: 0.05,
      auroraAcuHour: 0.14,
      auroraStorageGbMonth: 0.11,
      auroraIoPerMillion: 0.22,
      auroraBackupGbMonth: 0.022,
      interfaceEndpointZoneHour: 0.012,
      logsIngestionGb: 0.63,
      logsStorageGbMonth: 0.0324,
      s3StandardGbMonth: 0.0245,
    },
    'eu-north-1': {
      ...SAME_EVERYWHERE,
      clientVpnAssociationHour: 0.1,
      clientVpnConnectionHour: 0.05,
      auroraAcuHour: 0.13,
      auroraStorageGbMonth: 0.11,
      auroraIoPerMillion: 0.22,
      auroraBackupGbMonth: 0.021,
      interfaceEndpointZoneHour: 0.011,
      logsIngestionGb: 0.5985,
      logsStorageGbMonth: 0.0315,
      s3StandardGbMonth: 0.023,
    },
    'eu-south-1': {
      ...SAME_EVERYWHERE,
      clientVpnAssociationHour: 0.1,
      clientVpnConnectionHour: 0.05,
      auroraAcuHour: 0.14,
      auroraStorageGbMonth: 0.116,
      auroraIoPerMillion: 0.232,
      auroraBackupGbMonth: 0.022,
      interfaceEndpointZoneHour: 0.012,
      logsIngestionGb: 0.6,
      logsStorageGbMonth: 0.0315,
      s3StandardGbMonth: 0.0245,
    },
    'eu-south-2': {
      ...SAME_EVERYWHERE,
      clientVpnAssociationHour: 0.1,
      clientVpnConnectionHour: 0.05,
      auroraAcuHour: 0.14,
      auroraStorageGbMonth: 0.11,
      auroraIoPerMillion: 0.22,
      auroraBackupGbMonth: 0.022,
      interfaceEndpointZoneHour: 0.012,
      logsIngestionGb: 0.57,
      logsStorageGbMonth: 0.03,
      s3StandardGbMonth: 0.024,
    },
    'eu-west-2': {
      ...SAME_EVERYWHERE,
      clientVpnAssociationHour: 0.1,
      clientVpnConnectionHour: 0.05,
      auroraAcuHour: 0.14,
      auroraStorageGbMonth: 0.1,
      auroraIoPerMillion: 0.2,
      auroraBackupGbMonth: 0.022,
      interfaceEndpointZoneHour: 0.011,
      logsIngestionGb: 0.5985,
      logsStorageGbMonth: 0.0315,
      s3StandardGbMonth: 0.024,
    },
    'eu-central-2': {
      ...SAME_EVERYWHERE,
      clientVpnAssociationHour: 0.11,
      clientVpnConnectionHour: 0.055,
      auroraAcuHour: 0.155,
      auroraStorageGbMonth: 0.121,
      auroraIoPerMillion: 0.242,
      auroraBackupGbMonth: 0.0242,
      interfaceEndpointZoneHour: 0.0132,
      logsIngestionGb: 0.69,
      logsStorageGbMonth: 0.0356,
      s3StandardGbMonth: 0.0264,
    },
  },
  checked: {
    'eu-west-3': ['logsIngestionGb', 'logsStorageGbMonth', 's3StandardGbMonth', 'secretMonth', 'alarmMonth'],
    'eu-west-2': [
      'auroraAcuHour',
      'auroraStorageGbMonth',
      'auroraIoPerMillion',
      'auroraBackupGbMonth',
      'interfaceEndpointZoneHour',
      'kmsKeyMonth',
      'secretMonth',
      'logsIngestionGb',
      'logsStorageGbMonth',
      's3StandardGbMonth',
      'alarmMonth',
    ],
    'eu-west-1': ['auroraIoPerMillion', 'auroraBackupGbMonth', 'interfaceEndpointZoneHour'],
    'eu-central-1': ['auroraIoPerMillion', 'interfaceEndpointZoneHour', 'logsIngestionGb'],
  },
};
