/**
 * Where personal data may live. Pure data, no CDK: the config schema, the
 * constructs and the GDPR rules all read the same lists.
 */

/** AWS regions located in EU member states (GDPR applies directly, no transfer). */
export const EU_MEMBER_STATE_REGIONS: Readonly<Record<string, string>> = {
  'eu-west-1': 'Ireland',
  'eu-west-3': 'Paris',
  'eu-central-1': 'Frankfurt',
  'eu-north-1': 'Stockholm',
  'eu-south-1': 'Milan',
  'eu-south-2': 'Spain',
};

/**
 * European regions outside the EU, covered by an adequacy decision (art. 45).
 * Allowed only when the configuration lists them with a transfer basis.
 */
export const ADEQUACY_REGIONS: Readonly<Record<string, string>> = {
  'eu-west-2': 'London (United Kingdom)',
  'eu-central-2': 'Zurich (Switzerland)',
};

export const DEFAULT_ALLOWED_REGIONS: readonly string[] = Object.keys(EU_MEMBER_STATE_REGIONS);

export function isEuMemberStateRegion(region: string): boolean {
  return Object.prototype.hasOwnProperty.call(EU_MEMBER_STATE_REGIONS, region);
}

export function isAdequacyRegion(region: string): boolean {
  return Object.prototype.hasOwnProperty.call(ADEQUACY_REGIONS, region);
}

/** Matches AWS region names such as eu-west-3, us-gov-west-1 or ap-southeast-4. */
export const REGION_PATTERN = /\b(?:af|ap|ca|cn|eu|il|me|mx|sa|us)(?:-gov|-iso[a-z]?)?-(?:north|south|east|west|central|northeast|northwest|southeast|southwest)-\d{1,2}\b/g;

/**
 * Services whose API endpoint is global (served from us-east-1 whatever the
 * caller's region) and that the kit's own roles and the organisation need.
 * The region guard exempts these actions and nothing else.
 */
export const GLOBAL_SERVICE_ACTIONS: readonly string[] = [
  'iam:*',
  'sts:*',
  'organizations:*',
  'account:*',
  'support:*',
  'health:*',
  'trustedadvisor:*',
  'budgets:*',
  'ce:*',
  'cur:*',
  'route53:*',
  'route53domains:*',
  'cloudfront:*',
  'waf:*',
  'globalaccelerator:*',
  'shield:*',
  'sso:*',
  'sso-directory:*',
  'identitystore:*',
  'signin:*',
  'notifications:*',
];

