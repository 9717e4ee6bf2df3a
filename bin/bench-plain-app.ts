/**
 * The benchmark's yardstick (see bin/bench.ts): a plain aws-cdk-lib app that
 * declares the baseline's core resources with aws-cdk-lib's defaults and no rule
 * pack, so `npm run bench` can compare the reference synth (every check on) with
 * what any CDK user pays for the same resources. Not part of the kit.
 *
 *   npx cdk synth --quiet --app "node --import tsx bin/bench-plain-app.ts" -o <dir>
 */
import { App, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';

const ZONES = ['eu-west-3a', 'eu-west-3b'];

class PlainContactStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);

    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.40.0.0/16'),
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(this, 'FlowLogs')),
    });

    const engine = rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_13 });
    const cluster = new rds.DatabaseCluster(this, 'Database', {
      engine,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      readers: [rds.ClusterInstance.serverlessV2('Reader', { scaleWithWriter: true })],
      serverlessV2MinCapacity: 0.5,
      serverlessV2MaxCapacity: 4,
      storageEncryptionKey: new kms.Key(this, 'DatabaseKey', { enableKeyRotation: true }),
      cloudwatchLogsExports: ['postgresql'],
      cloudwatchLogsRetention: logs.RetentionDays.ONE_YEAR,
    });

    const vpn = new ec2.ClientVpnEndpoint(this, 'Vpn', {
      vpc,
      cidr: '10.100.0.0/22',
      serverCertificateArn: 'arn:aws:acm:eu-west-3:111122223333:certificate/0b1e7c2a-3f4d-4e5a-9b6c-7d8e9f0a1b2c',
      userBasedAuthentication: ec2.ClientVpnUserBasedAuthentication.federated(
        iam.SamlProvider.fromSamlProviderArn(this, 'IdentityProvider', 'arn:aws:iam::111122223333:saml-provider/corporate-idp'),
      ),
      splitTunnel: true,
      logGroup: new logs.LogGroup(this, 'VpnConnectionLogs'),
    });
    cluster.connections.allowDefaultPortFrom(vpn);
  }

  /** Explicit zones: synth never looks them up in an account. */
  override get availabilityZones(): string[] {
    return ZONES;
  }
}

const app = new App();
new PlainContactStack(app, 'PlainContactBench', { env: { account: '111122223333', region: 'eu-west-3' } });
app.synth();
