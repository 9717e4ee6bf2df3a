/**
 * The AWS-managed prefix list of Amazon S3 (`com.amazonaws.<region>.s3`) in
 * each region the kit may deploy to, shipped with the kit so that synth needs
 * no lookup. Pure data, no CDK: the config schema and the network read it (kept with the
 * regions, below both).
 *
 * Only ids confirmed by several independent public sources are listed (for
 * eu-west-1 and eu-west-3 among them `describe-managed-prefix-lists` output).
 * A region without an entry (eu-south-1, eu-south-2, eu-central-2 today)
 * needs `network.s3PrefixListId` in the configuration.
 */
export const S3_PREFIX_LISTS: Readonly<Record<string, string>> = {
  'eu-west-1': 'pl-6da54004',
  'eu-west-2': 'pl-7ca54015',
  'eu-west-3': 'pl-23ad484a',
  'eu-central-1': 'pl-6ea54007',
  'eu-north-1': 'pl-c3aa4faa',
};

/** What a prefix list id looks like. */
export const PREFIX_LIST_ID_PATTERN = /^pl-[0-9a-f]+$/;

/** The command that prints the S3 prefix list id of a region. */
export function s3PrefixListLookupCommand(region: string): string {
  return `aws ec2 describe-managed-prefix-lists --filters Name=prefix-list-name,Values=com.amazonaws.${region}.s3 --region ${region}`;
}

/** The shipped S3 prefix list id of a region, if the kit knows it. */
export function shippedS3PrefixListId(region: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(S3_PREFIX_LISTS, region) ? S3_PREFIX_LISTS[region] : undefined;
}
