import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, NagPackProps, PCIDSS321Checks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { assertOneAwsCdkLib } from '../package/one-aws-cdk-lib';
import { GdprChecks } from './gdpr-checks';

/**
 * Registers every check of the baseline on an app (or stage): the GDPR pack
 * and cdk-nag's AwsSolutions, HIPAA Security, NIST 800-53 rev 5 and PCI DSS
 * 3.2.1 packs. Any unacknowledged finding fails the synth. Acknowledged
 * findings are written into the template metadata (`cdk_nag`) for reviewers.
 */
export function addBaselineChecks(scope: IConstruct, props: NagPackProps = { writeSuppressionsToCloudFormation: true }): void {
  assertOneAwsCdkLib(scope); // two copies of aws-cdk-lib: the packs would check nothing
  Validations.of(scope).addPlugins(
    new GdprChecks(scope, props),
    new AwsSolutionsChecks(scope, props),
    new HIPAASecurityChecks(scope, props),
    new NIST80053R5Checks(scope, props),
    new PCIDSS321Checks(scope, props),
  );
}
