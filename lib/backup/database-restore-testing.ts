import { Fn, Names } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { acknowledge } from '../marks/acknowledge';
import { CONTACT_BACKUP_DEFAULTS } from './defaults';

export interface DatabaseRestoreTestingProps {
  /** The cluster whose recovery points are restored. */
  readonly cluster: rds.IDatabaseCluster;
  /** The vault the recovery points are taken from. */
  readonly vault: backup.IBackupVault;
  readonly vpc: ec2.IVpc;
  /** Isolated subnets the restored cluster is created in. */
  readonly subnets: ec2.SubnetSelection;
  /** Zones of those subnets. */
  readonly availabilityZones: readonly string[];
  /**
   * When a test runs.
   * @default - every Sunday at 05:00 UTC
   */
  readonly schedule?: events.Schedule;
  /**
   * How far back a recovery point may be taken from (the latest in that window is restored).
   * @default 7
   */
  readonly selectionWindowDays?: number;
}

/**
 * An AWS Backup restore testing plan for the contact database: on schedule,
 * AWS Backup restores the latest snapshot of the vault into a new cluster,
 * then deletes it at once. A backup that cannot be restored shows as a failed
 * restore job (see BackupFailureNotifications).
 *
 * The restored cluster is a temporary copy of the contact data: it is created
 * in the isolated database subnets with a security group that admits nothing,
 * and deleted as soon as the restore succeeds (no validation window).
 */
export class DatabaseRestoreTesting extends Construct {
  public readonly plan: backup.CfnRestoreTestingPlan;
  public readonly selection: backup.CfnRestoreTestingSelection;
  public readonly role: iam.Role;
  /** Admits nothing: no one can connect to a restored test cluster. */
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly subnetGroup: rds.SubnetGroup;

  constructor(scope: Construct, id: string, props: DatabaseRestoreTestingProps) {
    super(scope, id);
    const schedule = props.schedule ?? events.Schedule.expression(CONTACT_BACKUP_DEFAULTS.restoreTestSchedule);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Restore tests of the contact database: no ingress, no egress',
      allowAllOutbound: false,
    });
    this.subnetGroup = new rds.SubnetGroup(this, 'Subnets', {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      description: 'Restore tests of the contact database: isolated subnets',
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      description: 'AWS Backup restore tests of the contact database',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSBackupServiceRolePolicyForRestores')],
    });
    acknowledge(
      this.role,
      'AwsSolutions-IAM4',
      'AWSBackupServiceRolePolicyForRestores is the AWS-maintained policy AWS Backup needs to restore and then delete a test cluster; AWS updates it as the services change.',
      { finding: 'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores' },
    );

    // Letters, digits and underscores only, at most 50 characters; fixed once created.
    const name = (construct: Construct) => Names.uniqueResourceName(construct, { maxLength: 50 }).replace(/[^A-Za-z0-9_]/g, '_');
    this.plan = new backup.CfnRestoreTestingPlan(this, 'Plan', {
      restoreTestingPlanName: name(this),
      scheduleExpression: schedule.expressionString,
      startWindowHours: 24,
      recoveryPointSelection: {
        algorithm: 'LATEST_WITHIN_WINDOW',
        includeVaults: [props.vault.backupVaultArn],
        recoveryPointTypes: ['SNAPSHOT'],
        selectionWindowDays: props.selectionWindowDays ?? CONTACT_BACKUP_DEFAULTS.restoreTestSelectionWindowDays,
      },
    });
    const jsonList = (items: string[]) => Fn.join('', ['["', Fn.join('","', items), '"]']);
    this.selection = new backup.CfnRestoreTestingSelection(this, 'Selection', {
      restoreTestingPlanName: this.plan.restoreTestingPlanName,
      restoreTestingSelectionName: `${name(this).slice(0, 40)}_database`,
      protectedResourceType: 'Aurora',
      protectedResourceArns: [props.cluster.clusterArn],
      iamRoleArn: this.role.roleArn,
      validationWindowHours: 0,
      restoreMetadataOverrides: {
        dbSubnetGroupName: this.subnetGroup.subnetGroupName,
        vpcSecurityGroupIds: jsonList([this.securityGroup.securityGroupId]),
        availabilityZones: jsonList([...props.availabilityZones]),
      },
    });
    this.selection.node.addDependency(this.plan);
  }
}
