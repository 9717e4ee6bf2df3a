import { Annotations, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AccessRoles } from '../access/access-roles';
import { BackupAccountStack } from '../backup/backup-account-stack';
import { contactBackupSettings } from '../backup/backup-settings';
import { ContactBackup } from '../backup/contact-backup';
import { authorityShortName } from '../config/authorities';
import { BreachDetection } from '../breach/breach-detection';
import { Catalog } from '../catalog/catalog';
import { PROFILE_SETTINGS } from '../config/defaults';
import { type BaselineConfig, databaseMinCapacity } from '../config/schema';
import { ContactDatabase } from '../database/contact-database';
import { SchemaMigrations } from '../database/schema-migrations';
import { CustomerManagedKey } from '../keys/customer-managed-key';
import { PROFILE_METADATA } from '../marks/tags';
import { RetentionPurge } from '../lifecycle/retention-purge';
import { ContactNetwork } from '../network/contact-network';
import { VpnAccess } from '../network/vpn-access';
import { ProcessorGrants } from '../processors/processor-grants';
import { assertOneAwsCdkLib } from '../package/one-aws-cdk-lib';
import { RegionGuard } from '../residency/region-guard';
import { acknowledgeBaselineFindings, acknowledgeExistingNetwork, acknowledgeOrganisationTrail } from './acknowledgements';

export interface ContactBaselineStackProps extends StackProps {
  /** A validated configuration (see loadConfigFile / parseConfig). */
  readonly config: BaselineConfig;
  /**
   * With `backup.copyTarget` in the configuration, create the backup account's
   * stack (a `BackupAccountStack` with the vault the copies go to) beside this
   * stack, in the same scope, with the id `<id>BackupAccount`. Set false to
   * create it yourself (for example in another stage); the synth then fails
   * when no `BackupAccountStack` of the app receives this stack's copies.
   * @default true
   */
  readonly backupAccountStack?: boolean;
}

/**
 * The reference baseline: the contact database on an isolated network,
 * reachable only through Client VPN, every role pinned to the permitted regions.
 * Account and region come from the configuration, never from the machine.
 */
export class ContactBaselineStack extends Stack {
  private readonly zones: string[];
  public readonly catalog: Catalog;
  public readonly logsKey: CustomerManagedKey;
  public readonly network: ContactNetwork;
  public readonly database: ContactDatabase;
  public readonly vpn: VpnAccess;
  public readonly schema: SchemaMigrations;
  public readonly backup: ContactBackup;
  public readonly regionGuard: RegionGuard;
  public readonly access: AccessRoles;
  /** Encrypted audit trail, detections and the DPO's notification with the 72-hour deadline. */
  public readonly breach: BreachDetection;
  /** The nightly purge of data past its retention. */
  public readonly retentionPurge: RetentionPurge;
  /** Processor (subcontractor) grants and their extracts; absent when the configuration declares none. */
  public readonly processors?: ProcessorGrants;
  /** The backup account's stack, created beside this one (see `backupAccountStack`); absent without backup.copyTarget. */
  public readonly backupAccount?: BackupAccountStack;

  constructor(scope: Construct, id: string, props: ContactBaselineStackProps) {
    const { config } = props;
    assertOneAwsCdkLib(scope);
    super(scope, id, {
      terminationProtection: true,
      description: `GDPR contact database baseline for ${config.organisation.name}`,
      ...props,
      env: { account: config.environment.account, region: config.environment.region },
    });
    const existingNetwork = config.landingZone.network;
    this.zones =
      existingNetwork?.databaseSubnets.map((s) => s.availabilityZone) ?? config.network.availabilityZones ?? [`${config.environment.region}a`, `${config.environment.region}b`];
    this.catalog = Catalog.fromConfig(config);
    // Development drops redundancy only (README, "Profiles"): every privacy control below is the same.
    const development = config.environment.profile === 'development';
    const profile = PROFILE_SETTINGS[config.environment.profile];
    const logRetention = profile.logRetentionDays as logs.RetentionDays;
    const oneZone = development ? [this.zones[0]] : undefined;

    this.logsKey = new CustomerManagedKey(this, 'LogsKey', {
      description: 'CloudWatch log groups of the contact baseline (flow, VPN and database logs)',
    });
    this.logsKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsOfThisAccount',
        principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${this.partition}:logs:${this.region}:${this.account}:log-group:*` },
        },
      }),
    );

    this.network = new ContactNetwork(this, 'Network', {
      vpcCidr: config.network.vpcCidr,
      availabilityZones: this.zones,
      logsKey: this.logsKey,
      s3PrefixListId: config.network.s3PrefixListId,
      existingVpc: existingNetwork,
      flowLogRetention: logRetention,
      ...(oneZone ? { endpointAvailabilityZones: oneZone } : {}),
    });

    this.database = new ContactDatabase(this, 'ContactDatabase', {
      vpc: this.network.vpc,
      subnets: this.network.databaseSubnets,
      logsKey: this.logsKey,
      minCapacity: databaseMinCapacity(config),
      maxCapacity: config.database.maxCapacity,
      backupRetention: Duration.days(config.database.backupRetentionDays),
      reader: profile.databaseReader,
      logRetention,
      ...(development ? { autoPause: Duration.minutes(PROFILE_SETTINGS.development.autoPauseMinutes) } : {}),
    });

    const auth = config.vpn.authentication;
    this.vpn = new VpnAccess(this, 'Vpn', {
      vpc: this.network.vpc,
      clientCidr: config.network.vpnClientCidr,
      serverCertificateArn: config.vpn.serverCertificateArn,
      existingEndpoint: existingNetwork?.clientVpnEndpoint,
      clientRootCertificateArn: auth.mutualTls?.clientRootCertificateArn,
      samlProvider: auth.saml ? iam.SamlProvider.fromSamlProviderArn(this, 'IdentityProvider', auth.saml.providerArn) : undefined,
      groups: this.catalog.roles
        .filter((role) => role.vpnGroupId !== undefined)
        .map((role) => ({ groupId: role.vpnGroupId as string, name: role.name })),
      associationSubnets: oneZone ? { ...this.network.accessSubnets, availabilityZones: oneZone } : this.network.accessSubnets,
      databaseSubnets: this.network.databaseSubnets,
      logsKey: this.logsKey,
      sessionTimeoutHours: config.vpn.sessionTimeoutHours,
      loginBanner: config.vpn.loginBanner,
      // An existing endpoint logs where its owner set (acknowledged, with the command that checks it).
      ...(existingNetwork?.clientVpnEndpoint ? {} : { connectionLogRetention: logRetention }),
    });
    this.database.allowConnectionsFrom(this.vpn.securityGroup, 'PostgreSQL from Client VPN users');

    this.schema = new SchemaMigrations(this, 'Schema', {
      database: this.database,
      catalog: this.catalog,
      vpc: this.network.vpc,
      subnets: this.network.accessSubnets,
      logsKey: this.logsKey,
    });

    // Encrypted, locked backups of the database, copied out of this account's reach and restore-tested.
    this.backup = new ContactBackup(this, 'Backup', {
      database: this.database,
      vpc: this.network.vpc,
      subnets: this.network.databaseSubnets,
      availabilityZones: this.zones,
      retentionBound: Duration.days(this.catalog.longestRetentionDays),
      ...contactBackupSettings(this, config),
    });

    this.regionGuard = new RegionGuard(this, 'RegionGuard', { permittedRegions: this.catalog.permittedRegions });

    // One IAM role per catalog role, MFA only, each connecting as its own database user; plus the operator role.
    this.access = new AccessRoles(this, 'Access', { catalog: this.catalog, cluster: this.database.cluster });

    // One time-bound role per processor, reading only its own pseudonymised extracts, and the job that writes them.
    if (this.catalog.subcontractors.length > 0) {
      this.processors = new ProcessorGrants(this, 'Processors', {
        catalog: this.catalog,
        database: this.database,
        vpc: this.network.vpc,
        subnets: this.network.accessSubnets,
        logsKey: this.logsKey,
      });
      // The extract jobs sign in as roles the schema function creates.
      for (const grant of Object.values(this.processors.grants)) grant.job.function.node.addDependency(this.schema.resource);
    }

    // Art. 33-34: every sign of a breach reaches the DPO with the deadline; art. 5(1)(e): nothing outlives its retention.
    this.breach = new BreachDetection(this, 'Breach', {
      database: this.database,
      dpoEmail: config.dpo.email,
      organisation: config.organisation.name,
      authority: authorityShortName(config.organisation.country),
      timeZone: config.breach.timeZone,
      vpc: this.network.vpc,
      subnets: this.network.accessSubnets,
      endpointSecurityGroup: this.network.endpointSecurityGroup,
      endpointSubnets: this.network.endpointSubnets,
      logsKey: this.logsKey,
      guardDuty: config.breach.guardDuty,
      exportThresholdMegabytesPerHour: config.breach.exportAlarm.megabytesPerHour,
      ...(config.breach.trailRetentionDays !== undefined ? { trailRetention: Duration.days(config.breach.trailRetentionDays) } : {}),
      deploymentFunctionRoles: [this.network.defaultSecurityGroupCloser.role],
      organisationTrail: config.landingZone.organisationTrail,
    });
    this.retentionPurge = new RetentionPurge(this, 'RetentionPurge', {
      database: this.database,
      vpc: this.network.vpc,
      subnets: this.network.accessSubnets,
      logsKey: this.logsKey,
      queueKey: this.breach.key,
      schedule: events.Schedule.expression(this.catalog.lifecycle.purgeSchedule),
      alarmTopic: this.breach.notification.topic,
    });
    // The purge signs in as a database user the schema function creates.
    this.retentionPurge.rule.node.addDependency(this.schema.resource);

    // Every invocation of the kit's functions is recorded; one by anyone but the expected caller reaches the DPO.
    this.breach.watchInvocations('Schema', this.schema.handler.function, { deployment: true });
    this.breach.watchInvocations('RetentionPurge', this.retentionPurge.handler.function, { services: ['events.amazonaws.com'] });
    // Extract jobs are run by people (aws lambda invoke): recorded, not reported.
    for (const grant of Object.values(this.processors?.grants ?? {})) this.breach.watchInvocations(`Extract${grant.node.id}`, grant.job.function);

    acknowledgeBaselineFindings(this);
    if (config.landingZone.organisationTrail) acknowledgeOrganisationTrail(this, config.landingZone.organisationTrail);
    if (existingNetwork) acknowledgeExistingNetwork(this, existingNetwork);

    if (development) {
      this.templateOptions.metadata = { ...this.templateOptions.metadata, [PROFILE_METADATA]: 'development' };
      Annotations.of(this).addInfo(
        `Development profile: every privacy control is kept; dropped for cost: Client VPN associations and interface endpoints outside ${this.zones[0]}, ` +
          `the database reader (one instance, pausing after ${PROFILE_SETTINGS.development.autoPauseMinutes} idle minutes at 0 ACU), log groups kept 180 days instead of 365. ` +
          'Never load production contacts here (README, "Profiles").',
      );
    }

    // The copy action names the backup account's vault: that vault must exist, or every copy fails silently.
    if (config.backup.copyTarget) {
      if (props.backupAccountStack ?? true) {
        this.backupAccount = new BackupAccountStack(scope, `${id}BackupAccount`, {
          config,
          productionStackName: this.stackName,
          ...(props.stackName ? { stackName: `${props.stackName}BackupAccount` } : {}),
        });
      } else {
        this.node.addValidation({ validate: () => this.missingBackupAccount(config.backup.copyTarget!.account) });
      }
    }
  }

  private missingBackupAccount(account: string): string[] {
    const receivers = this.node.root.node.findAll().filter((c): c is BackupAccountStack => c instanceof BackupAccountStack && c.productionStackName === this.stackName);
    if (receivers.length > 0) return [];
    return [
      `backup.copyTarget names the backup account ${account}, but no BackupAccountStack of the app receives the copies of ${this.stackName}: ` +
        `add new BackupAccountStack(app, '${this.node.id}BackupAccount', { config, productionStackName: '${this.stackName}' }), or leave backupAccountStack at its default (true)`,
    ];
  }

  /** The configured zones: synth never looks them up in an AWS account. */
  override get availabilityZones(): string[] {
    return this.zones;
  }
}
