import { Stack, type StackProps, Token } from 'aws-cdk-lib';
import * as organizations from 'aws-cdk-lib/aws-organizations';
import type { Construct } from 'constructs';
import { organisationScp } from '../residency/guard-statement';

/** Name of the service control policy: public API (a rename replaces the policy and detaches it for a moment). */
export const ORGANISATION_SCP_NAME = 'GdprDenyOutsidePermittedRegions';

export interface OrganisationPolicyStackProps extends StackProps {
  /** The management account of the organisation (or a delegated administrator for policy management). */
  readonly account: string;
  /** The region the stack is deployed in (AWS Organizations is global; the stack stays in a permitted region). */
  readonly region: string;
  /** Every region data may live in: the SCP denies every regional action elsewhere (the same document as policies/organisation-scp.json). */
  readonly permittedRegions: readonly string[];
  /** The organisational units (ou-...) or the root (r-...) the SCP is attached to. */
  readonly targetIds: readonly string[];
}

/**
 * The region guard as a service control policy, for the management account: the document of
 * policies/organisation-scp.json as an `AWS::Organizations::Policy`, attached to the organisational
 * units the configuration names, so every principal of their accounts (not only the kit's roles) is
 * denied regional actions outside the permitted regions. SCPs never apply to the management account
 * itself: the contact database lives in a member account.
 */
export class OrganisationPolicyStack extends Stack {
  public readonly policy: organizations.CfnPolicy;

  constructor(scope: Construct, id: string, props: OrganisationPolicyStackProps) {
    const { account, region, permittedRegions, targetIds, ...rest } = props;
    super(scope, id, {
      terminationProtection: true,
      description: 'GDPR contact database baseline: region-deny service control policy for the organisation',
      ...rest,
      env: { account, region },
    });
    if (targetIds.length === 0) {
      throw new Error('OrganisationPolicyStack: targetIds names no organisational unit; an SCP attached to nothing protects nothing (landingZone.organizations.targetIds)');
    }
    for (const target of targetIds) {
      if (!Token.isUnresolved(target) && !/^(ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32})$/.test(target)) {
        throw new Error(`OrganisationPolicyStack: targetIds must be organisational unit ids (ou-...) or the root id (r-...); got ${target}`);
      }
    }
    this.policy = new organizations.CfnPolicy(this, 'RegionDeny', {
      name: ORGANISATION_SCP_NAME,
      type: 'SERVICE_CONTROL_POLICY',
      description: `Deny every regional action outside ${permittedRegions.join(', ')} (GDPR art. 44: personal data stays in the permitted regions)`,
      content: organisationScp(permittedRegions),
      targetIds: [...targetIds],
    });
  }
}
