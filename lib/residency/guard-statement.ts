import { GLOBAL_SERVICE_ACTIONS } from './regions';

/** The IAM statement, as JSON, that denies every regional action outside the permitted regions. */
export function regionGuardStatementJson(permittedRegions: readonly string[], sid = 'DenyOutsidePermittedRegions') {
  if (permittedRegions.length === 0) {
    throw new Error('region guard: at least one permitted region is required');
  }
  return {
    Sid: sid,
    Effect: 'Deny',
    NotAction: [...GLOBAL_SERVICE_ACTIONS],
    Resource: '*',
    Condition: { StringNotEquals: { 'aws:RequestedRegion': [...permittedRegions] } },
  };
}

/**
 * A service control policy for AWS Organizations with the same guard, for
 * teams that want it enforced on the whole account, not only on the kit's roles.
 */
export function organisationScp(permittedRegions: readonly string[]) {
  return {
    Version: '2012-10-17',
    Statement: [regionGuardStatementJson(permittedRegions, 'GdprDenyOutsidePermittedRegions')],
  };
}
