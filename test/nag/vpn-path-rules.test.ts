import { CfnCondition, CfnParameter, Fn, type Stack } from 'aws-cdk-lib';
import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elb from 'aws-cdk-lib/aws-elasticloadbalancing';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import type { IConstruct } from 'constructs';
import { clusterProps, isolatedVpc, logicalIdOf, newStack, ruleFindingsOn, validate } from './helpers';

const RULE = 'GDPR-Art32-NoPathAroundVpn';
const NOT_PUBLIC = 'GDPR-Art25-DatabaseNotPublic';
const f = (finding: string) => `${RULE}[${finding}]`;

function inVpcFunction(scope: IConstruct, id: string, vpc: ec2.IVpc | undefined): lambda.CfnFunction {
  return new lambda.CfnFunction(scope as Stack, id, {
    code: { zipFile: 'exports.handler = async () => ({})' },
    handler: 'index.handler',
    runtime: 'nodejs20.x',
    role: 'arn:aws:iam::111122223333:role/fn',
    vpcConfig: vpc ? { subnetIds: vpc.isolatedSubnets.map((s) => s.subnetId) } : undefined,
  });
}

/** A function URL on a function, with the auth type given. */
function url(scope: Stack, id: string, fn: lambda.CfnFunction, authType: string): lambda.CfnUrl {
  return new lambda.CfnUrl(scope, id, { targetFunctionArn: fn.attrArn, authType });
}

describe(RULE, () => {
  let report: PolicyValidationPluginReport;
  let stack: Stack;
  let vpc: ec2.Vpc;
  let cluster: rds.DatabaseCluster;
  let dataApiCluster: rds.CfnDBCluster;
  let otherVpc: ec2.Vpc;
  const r: Record<string, IConstruct> = {};

  beforeAll(() => {
    stack = newStack();
    vpc = isolatedVpc(stack);
    cluster = new rds.DatabaseCluster(stack, 'Cluster', clusterProps(vpc));
    otherVpc = isolatedVpc(stack, 'OtherVpc');

    // Data API: on, off, a parameter (in a VPC of their own, routed nowhere)
    const dataApiVpc = isolatedVpc(stack, 'DataApiVpc');
    const subnetGroup = new rds.CfnDBSubnetGroup(stack, 'L1Group', {
      dbSubnetGroupDescription: 'db',
      subnetIds: dataApiVpc.isolatedSubnets.map((s) => s.subnetId),
    });
    const l1 = (id: string, enableHttpEndpoint: unknown) =>
      new rds.CfnDBCluster(stack, id, {
        engine: 'aurora-postgresql',
        dbSubnetGroupName: subnetGroup.ref,
        enableHttpEndpoint: enableHttpEndpoint as boolean,
      });
    dataApiCluster = l1('DataApi', true);
    r.dataApiOff = l1('DataApiOff', false);
    const param = new CfnParameter(stack, 'HttpEndpointParam', { type: 'String', default: 'false' });
    r.dataApiParam = l1('DataApiParam', param.valueAsString);

    // Function URLs
    const inside = inVpcFunction(stack, 'Inside', vpc);
    const outside = inVpcFunction(stack, 'Outside', otherVpc);
    const nowhere = inVpcFunction(stack, 'Nowhere', undefined);
    r.urlOpen = url(stack, 'UrlOpen', inside, 'NONE');
    r.urlIam = url(stack, 'UrlIam', inside, 'AWS_IAM');
    r.urlOutside = url(stack, 'UrlOutside', outside, 'NONE');
    r.urlNowhere = url(stack, 'UrlNowhere', nowhere, 'NONE');
    const authParam = new CfnParameter(stack, 'AuthParam', { type: 'String', default: 'AWS_IAM' });
    r.urlParam = url(stack, 'UrlParam', inside, authParam.valueAsString);
    const alias = new lambda.CfnAlias(stack, 'InsideAlias', { functionName: inside.ref, functionVersion: '$LATEST', name: 'live' });
    r.urlAlias = new lambda.CfnUrl(stack, 'UrlAlias', { targetFunctionArn: alias.ref, authType: 'NONE' });

    // REST API (L2, as an engineer writes it): an open method and an IAM one, on the in-VPC function
    const fn = lambda.Function.fromFunctionAttributes(stack, 'InsideRef', { functionArn: inside.attrArn, sameEnvironment: true });
    const rest = new apigw.RestApi(stack, 'Rest', { deploy: false });
    r.restOpen = rest.root.addResource('open').addMethod('GET', new apigw.LambdaIntegration(fn));
    r.restIam = rest.root.addResource('iam').addMethod('GET', new apigw.LambdaIntegration(fn), { authorizationType: apigw.AuthorizationType.IAM });
    r.restKey = rest.root.addResource('key').addMethod('GET', new apigw.LambdaIntegration(fn), { apiKeyRequired: true });
    const outsideFn = lambda.Function.fromFunctionAttributes(stack, 'OutsideRef', { functionArn: outside.attrArn, sameEnvironment: true });
    r.restOutside = rest.root.addResource('outside').addMethod('GET', new apigw.LambdaIntegration(outsideFn));

    // HTTP API v2 (L1): open and JWT routes to the in-VPC function; a quick-create API
    const http = new apigwv2.CfnApi(stack, 'Http', { name: 'http', protocolType: 'HTTP' });
    const integration = new apigwv2.CfnIntegration(stack, 'HttpIntegration', {
      apiId: http.ref,
      integrationType: 'AWS_PROXY',
      integrationUri: inside.attrArn,
      payloadFormatVersion: '2.0',
    });
    const route = (id: string, authorizationType?: string, apiId = http.ref, routeKey = 'GET /x') =>
      new apigwv2.CfnRoute(stack, id, { apiId, routeKey, authorizationType, target: Fn.join('/', ['integrations', integration.ref]) });
    r.httpOpen = route('HttpOpen', 'NONE');
    r.httpUnset = route('HttpUnset');
    r.httpJwt = route('HttpJwt', 'JWT');
    r.quick = new apigwv2.CfnApi(stack, 'Quick', { name: 'quick', protocolType: 'HTTP', target: inside.attrArn });
    // WebSocket: `$connect` authorizes with IAM, so the other routes are authenticated too
    const ws = new apigwv2.CfnApi(stack, 'Ws', { name: 'ws', protocolType: 'WEBSOCKET', routeSelectionExpression: '$request.body.action' });
    r.wsConnect = route('WsConnect', 'AWS_IAM', ws.ref, '$connect');
    r.wsDefault = route('WsDefault', 'NONE', ws.ref, '$default');
    const ws2 = new apigwv2.CfnApi(stack, 'WsOpen', { name: 'ws2', protocolType: 'WEBSOCKET', routeSelectionExpression: '$request.body.action' });
    r.wsOpenDefault = route('WsOpenDefault', 'AWS_IAM', ws2.ref, '$default');

    // Load balancers
    const lb = (id: string, scheme: string | undefined, v: ec2.IVpc, type?: string) =>
      new elbv2.CfnLoadBalancer(stack, id, { scheme, type, subnets: v.isolatedSubnets.map((s) => s.subnetId) });
    r.lbUnset = lb('LbUnset', undefined, vpc);
    r.lbPublic = lb('LbPublic', 'internet-facing', vpc);
    r.lbInternal = lb('LbInternal', 'internal', vpc);
    r.lbOther = lb('LbOther', 'internet-facing', otherVpc);
    r.lbGateway = lb('LbGateway', undefined, vpc, 'gateway');
    const schemeParam = new CfnParameter(stack, 'SchemeParam', { type: 'String', default: 'internal' });
    r.lbParam = lb('LbParam', schemeParam.valueAsString, vpc);
    r.classic = new elb.CfnLoadBalancer(stack, 'Classic', {
      listeners: [{ instancePort: '80', loadBalancerPort: '80', protocol: 'HTTP' }],
      subnets: vpc.isolatedSubnets.map((s) => s.subnetId),
    });

    // Public IPs
    const subnetId = vpc.isolatedSubnets[0].subnetId;
    r.instancePublic = new ec2.CfnInstance(stack, 'InstancePublic', {
      imageId: 'ami-12345678',
      networkInterfaces: [{ deviceIndex: '0', subnetId, associatePublicIpAddress: true }],
    });
    r.instancePrivate = new ec2.CfnInstance(stack, 'InstancePrivate', { imageId: 'ami-12345678', subnetId });
    r.eip = new ec2.CfnEIP(stack, 'Eip', { instanceId: (r.instancePrivate as ec2.CfnInstance).ref });
    const eni = new ec2.CfnNetworkInterface(stack, 'Eni', { subnetId });
    r.eipAssoc = new ec2.CfnEIPAssociation(stack, 'EipAssoc', { allocationId: 'eipalloc-1', networkInterfaceId: eni.ref });
    const otherInstance = new ec2.CfnInstance(stack, 'OtherInstance', { imageId: 'ami-12345678', subnetId: otherVpc.isolatedSubnets[0].subnetId });
    r.eipOther = new ec2.CfnEIP(stack, 'EipOther', { instanceId: otherInstance.ref });
    r.template = new ec2.CfnLaunchTemplate(stack, 'Template', {
      launchTemplateData: { networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: true }] },
    });
    new ec2.CfnInstance(stack, 'FromTemplate', {
      subnetId,
      launchTemplate: { launchTemplateId: (r.template as ec2.CfnLaunchTemplate).ref, version: '1' },
    });
    r.unusedTemplate = new ec2.CfnLaunchTemplate(stack, 'UnusedTemplate', {
      launchTemplateData: { networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: true }] },
    });
    r.publicSubnet = new ec2.CfnSubnet(stack, 'PublicSubnet', { vpcId: vpc.vpcId, cidrBlock: '10.0.200.0/24', mapPublicIpOnLaunch: true });
    r.privateSubnet = new ec2.CfnSubnet(stack, 'PrivateSubnet', { vpcId: vpc.vpcId, cidrBlock: '10.0.201.0/24' });
    r.otherPublicSubnet = new ec2.CfnSubnet(stack, 'OtherPublicSubnet', { vpcId: otherVpc.vpcId, cidrBlock: '10.0.202.0/24', mapPublicIpOnLaunch: true });

    // Routes out of a database subnet, and networks attached to the VPC
    const [first, second] = vpc.isolatedSubnets as ec2.Subnet[];
    new ec2.CfnRoute(stack, 'ToTgw', { routeTableId: first.routeTable.routeTableId, destinationCidrBlock: '10.1.0.0/16', transitGatewayId: 'tgw-0123456789abcdef0' });
    const vgw = new ec2.CfnVPNGateway(stack, 'Vgw', { type: 'ipsec.1' });
    new ec2.CfnRoute(stack, 'ToVgw', { routeTableId: second.routeTable.routeTableId, destinationCidrBlock: '10.2.0.0/16', gatewayId: vgw.ref });
    new ec2.CfnVPNGatewayRoutePropagation(stack, 'Propagation', { routeTableIds: [second.routeTable.routeTableId], vpnGatewayId: vgw.ref });
    r.tgwAttachment = new ec2.CfnTransitGatewayAttachment(stack, 'TgwAttachment', {
      transitGatewayId: 'tgw-0123456789abcdef0',
      vpcId: vpc.vpcId,
      subnetIds: [subnetId],
    });
    r.vgwAttachment = new ec2.CfnVPCGatewayAttachment(stack, 'VgwAttachment', { vpcId: vpc.vpcId, vpnGatewayId: vgw.ref });
    r.peering = new ec2.CfnVPCPeeringConnection(stack, 'Peering', { vpcId: otherVpc.vpcId, peerVpcId: vpc.vpcId });
    r.otherTgwAttachment = new ec2.CfnTransitGatewayAttachment(stack, 'OtherTgwAttachment', {
      transitGatewayId: 'tgw-0123456789abcdef0',
      vpcId: otherVpc.vpcId,
      subnetIds: [otherVpc.isolatedSubnets[0].subnetId],
    });

    // Endpoints
    const endpoint = (id: string, policyDocument: unknown, v: ec2.IVpc = vpc, vpcEndpointType?: string) =>
      new ec2.CfnVPCEndpoint(stack, id, { vpcId: v.vpcId, serviceName: 'com.amazonaws.eu-west-3.s3', policyDocument, vpcEndpointType });
    r.endpointNone = endpoint('EndpointNone', undefined);
    r.endpointInterfaceNone = endpoint('EndpointInterfaceNone', undefined, vpc, 'Interface');
    r.endpointAll = endpoint('EndpointAll', { Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::*' }] });
    r.endpointBound = endpoint('EndpointBound', {
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 's3:PutObject', Resource: '*', Condition: { StringEquals: { 'aws:ResourceAccount': '111122223333' } } },
        { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::own-bucket/*' },
      ],
    });
    const policyParam = new CfnParameter(stack, 'UsePolicy', { type: 'String', default: 'yes' });
    const cond = new CfnCondition(stack, 'UsePolicyCond', { expression: Fn.conditionEquals(policyParam.valueAsString, 'yes') });
    r.endpointIf = endpoint('EndpointIf', Fn.conditionIf(cond.logicalId, { Statement: [] }, { Ref: 'AWS::NoValue' }));
    r.endpointOther = endpoint('EndpointOther', undefined, otherVpc);
    r.endpointGwlb = endpoint('EndpointGwlb', undefined, vpc, 'GatewayLoadBalancer');

    report = validate(stack);
  });

  const on = (key: string) => ruleFindingsOn(report, r[key], RULE);

  describe('Data API', () => {
    test('non-compliant: EnableHttpEndpoint true', () => expect(ruleFindingsOn(report, dataApiCluster, RULE)).toEqual([f('DataApi')]));
    test('compliant: EnableHttpEndpoint false', () => expect(on('dataApiOff')).toEqual([]));
    test('a parameter cannot be evaluated (its default off is no proof)', () => expect(on('dataApiParam')).toEqual([f('CannotEvaluate::EnableHttpEndpoint')]));
  });

  describe('database subnets routed to another network', () => {
    test('non-compliant: a transit gateway route, a VPN gateway route and its propagation, one finding per subnet and kind', () => {
      const [first, second] = vpc.isolatedSubnets.map(logicalIdOf);
      expect(ruleFindingsOn(report, cluster, RULE)).toEqual(
        [
          f(`SubnetRoutedOut::${first}::TransitGateway`),
          f(`SubnetRoutedOut::${second}::VpnGateway`),
          f(`SubnetRoutedOut::${second}::VpnGatewayPropagation`),
        ].sort(),
      );
    });
    test('a VPN gateway route is not an internet route for DatabaseNotPublic (one rule, one finding)', () => {
      expect(ruleFindingsOn(report, cluster, NOT_PUBLIC)).toEqual([]);
    });
    test('non-compliant: networks attached to the VPC (transit gateway, VPN gateway, peering from either side)', () => {
      expect(on('tgwAttachment')).toEqual([f('NetworkAttached::TransitGateway')]);
      expect(on('vgwAttachment')).toEqual([f('NetworkAttached::VpnGateway')]);
      expect(on('peering')).toEqual([f('NetworkAttached::VpcPeering')]);
    });
    test('not applicable: an attachment of another VPC', () => expect(on('otherTgwAttachment')).toEqual([]));
  });

  describe('function URLs', () => {
    test('non-compliant: AuthType NONE on a function in the database VPC, directly or through an alias', () => {
      expect(on('urlOpen')).toEqual([f('PublicFunctionUrl')]);
      expect(on('urlAlias')).toEqual([f('PublicFunctionUrl')]);
    });
    test('compliant: AWS_IAM', () => expect(on('urlIam')).toEqual([]));
    test('a parameter AuthType cannot be evaluated', () => expect(on('urlParam')).toEqual([f('CannotEvaluate::AuthType')]));
    test('not applicable: a public function in another VPC or in none', () => {
      expect(on('urlOutside')).toEqual([]);
      expect(on('urlNowhere')).toEqual([]);
    });
  });

  describe('APIs', () => {
    const inside = () => logicalIdOf(stack.node.findChild('Inside'));
    test('non-compliant: a REST method without authorization or API key invoking the in-VPC function', () => {
      expect(on('restOpen')).toEqual([f(`UnauthenticatedApi::${inside()}`)]);
    });
    test('compliant: IAM authorization, or an API key', () => {
      expect(on('restIam')).toEqual([]);
      expect(on('restKey')).toEqual([]);
    });
    test('not applicable: an open method on a function outside the VPC', () => expect(on('restOutside')).toEqual([]));
    test('non-compliant: HTTP API routes with NONE or no authorization type, and a quick-create API', () => {
      expect(on('httpOpen')).toEqual([f(`UnauthenticatedApi::${inside()}`)]);
      expect(on('httpUnset')).toEqual([f(`UnauthenticatedApi::${inside()}`)]);
      expect(on('quick')).toEqual([f(`UnauthenticatedApi::${inside()}`)]);
    });
    test('compliant: a JWT route', () => expect(on('httpJwt')).toEqual([]));
    test('WebSocket routes follow $connect: authenticated when it is, open when there is none', () => {
      expect(on('wsConnect')).toEqual([]);
      expect(on('wsDefault')).toEqual([]);
      // AuthorizationType on a non-$connect route is ignored by API Gateway: without $connect, anyone connects
      expect(on('wsOpenDefault')).toEqual([f(`UnauthenticatedApi::${inside()}`)]);
    });
  });

  describe('load balancers', () => {
    test('non-compliant: internet-facing, or no scheme (the default is internet-facing), and a classic ELB', () => {
      expect(on('lbUnset')).toEqual([f('InternetFacingLoadBalancer')]);
      expect(on('lbPublic')).toEqual([f('InternetFacingLoadBalancer')]);
      expect(on('classic')).toEqual([f('InternetFacingLoadBalancer')]);
    });
    test('compliant: internal', () => expect(on('lbInternal')).toEqual([]));
    test('a parameter Scheme cannot be evaluated', () => expect(on('lbParam')).toEqual([f('CannotEvaluate::Scheme')]));
    test('not applicable: another VPC, a gateway load balancer', () => {
      expect(on('lbOther')).toEqual([]);
      expect(on('lbGateway')).toEqual([]);
    });
  });

  describe('public IPs', () => {
    test('non-compliant: an instance with a public address, EIPs on an instance and an interface, a launch template used there, a public subnet', () => {
      for (const key of ['instancePublic', 'eip', 'eipAssoc', 'template', 'publicSubnet']) expect([key, on(key)]).toEqual([key, [f('PublicIp')]]);
    });
    test('compliant: a private instance, a private subnet', () => {
      expect(on('instancePrivate')).toEqual([]);
      expect(on('privateSubnet')).toEqual([]);
    });
    test('not applicable: another VPC, a launch template nothing launches there', () => {
      expect(on('eipOther')).toEqual([]);
      expect(on('otherPublicSubnet')).toEqual([]);
      expect(on('unusedTemplate')).toEqual([]);
    });
  });

  describe('VPC endpoints', () => {
    test('non-compliant: no policy (gateway and interface), a policy letting anyone reach any bucket', () => {
      expect(on('endpointNone')).toEqual([f('EndpointWithoutPolicy')]);
      expect(on('endpointInterfaceNone')).toEqual([f('EndpointWithoutPolicy')]);
      expect(on('endpointAll')).toEqual([f('EndpointPolicyAllowsAll')]);
    });
    test('compliant: every statement bound by a condition or to named resources', () => expect(on('endpointBound')).toEqual([]));
    test('a policy behind Fn::If cannot be evaluated', () => expect(on('endpointIf')).toEqual([f('CannotEvaluate::PolicyDocument')]));
    test('not applicable: another VPC, a gateway load balancer endpoint', () => {
      expect(on('endpointOther')).toEqual([]);
      expect(on('endpointGwlb')).toEqual([]);
    });
  });
});

describe(`${RULE} without a database`, () => {
  let report: PolicyValidationPluginReport;
  const r: Record<string, IConstruct> = {};
  beforeAll(() => {
    const stack = newStack();
    const vpc = isolatedVpc(stack);
    r.fnUrl = url(stack, 'Url', inVpcFunction(stack, 'Fn', vpc), 'NONE');
    r.lb = new elbv2.CfnLoadBalancer(stack, 'Lb', { subnets: vpc.isolatedSubnets.map((s) => s.subnetId) });
    r.endpoint = new ec2.CfnVPCEndpoint(stack, 'Endpoint', { vpcId: vpc.vpcId, serviceName: 'com.amazonaws.eu-west-3.s3' });
    report = validate(stack);
  });
  test('not applicable: a public URL, load balancer or open endpoint in a VPC that holds no database', () => {
    for (const key of Object.keys(r)) expect([key, ruleFindingsOn(report, r[key], RULE)]).toEqual([key, []]);
  });
});

describe(`${RULE} with an imported VPC`, () => {
  let report: PolicyValidationPluginReport;
  const r: Record<string, IConstruct> = {};
  beforeAll(() => {
    const stack = newStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Imported', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-west-3a', 'eu-west-3b'],
      isolatedSubnetIds: ['subnet-0000000000000000a', 'subnet-0000000000000000b'],
    });
    r.cluster = new rds.DatabaseCluster(stack, 'Cluster', clusterProps(vpc));
    // The kit cannot see the imported subnets' VPC: a subnet written the same way is the database's
    r.fnUrl = url(stack, 'Url', inVpcFunction(stack, 'Fn', vpc), 'NONE');
    r.elsewhere = url(
      stack,
      'Elsewhere',
      new lambda.CfnFunction(stack, 'Elsewhere Fn', {
        code: { zipFile: 'x' },
        role: 'arn:aws:iam::111122223333:role/fn',
        vpcConfig: { subnetIds: ['subnet-0000000000000000c'] },
      }),
      'NONE',
    );
    report = validate(stack);
  });
  test('non-compliant: a public URL on a function in the imported database subnets', () => {
    expect(ruleFindingsOn(report, r.fnUrl, RULE)).toEqual([f('PublicFunctionUrl')]);
  });
  test('not applicable: a function in another imported subnet', () => expect(ruleFindingsOn(report, r.elsewhere, RULE)).toEqual([]));
  test('cannot evaluate: the routes of the imported database subnets, one finding per subnet (unknown is not compliant)', () => {
    expect(ruleFindingsOn(report, r.cluster, RULE)).toEqual([
      f('CannotEvaluate::SubnetRoutes::subnet-0000000000000000a'),
      f('CannotEvaluate::SubnetRoutes::subnet-0000000000000000b'),
    ]);
  });
});
