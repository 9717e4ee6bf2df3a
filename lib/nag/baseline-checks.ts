import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, NagPackProps, PCIDSS321Checks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { assertOneAwsCdkLib } from '../package/one-aws-cdk-lib';
import { GdprChecks, type GdprChecksProps } from './gdpr-checks';

/**
 * Registers every check of the baseline on an app (or stage): the GDPR pack
 * and cdk-nag's AwsSolutions, HIPAA Security, NIST 800-53 rev 5 and PCI DSS
 * 3.2.1 packs. Any unacknowledged finding fails the synth. Acknowledged
 * findings are written into the template metadata (`cdk_nag`) for reviewers
 * (`writeSuppressionsToCloudFormation`, on unless props say otherwise). The
 * GDPR pack holds the app to `allowedRegions`: pass the configuration's,
 * `permittedRegions(config)`; the default is every EU member-state region.
 * Pass `declared: declaredParties(config)` too, so resource policies may name
 * the configured processors and backup account, and backups are held to the
 * erasure bound.
 */
export function addBaselineChecks(scope: IConstruct, props: GdprChecksProps = {}): void {
  assertOneAwsCdkLib(scope); // two copies of aws-cdk-lib: the packs would check nothing
  const { allowedRegions, declared, ...rest } = props;
  const nagProps: NagPackProps = { writeSuppressionsToCloudFormation: true, ...rest };
  Validations.of(scope).addPlugins(
    new GdprChecks(scope, { ...nagProps, allowedRegions, declared }),
    new AwsSolutionsChecks(scope, nagProps),
    new HIPAASecurityChecks(scope, nagProps),
    new NIST80053R5Checks(scope, nagProps),
    new PCIDSS321Checks(scope, nagProps),
  );
}
