import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { Catalog } from '../catalog/catalog';
import type { IContactDatabase } from '../database/contact-database';
import type { SchemaColumn } from '../database/schema-columns';
import { CustomerManagedKey } from '../keys/customer-managed-key';
import { ExtractsBucket } from './extracts-bucket';
import { ProcessorGrant } from './processor-grant';

export interface ProcessorGrantsProps {
  /** The catalog: one grant per subcontractor. */
  readonly catalog: Catalog;
  readonly database: IContactDatabase;
  readonly vpc: ec2.IVpc;
  /** Subnets with the KMS, Secrets Manager and S3 endpoints, where the extract jobs run. */
  readonly subnets: ec2.SubnetSelection;
  /** Customer-managed key for the extract jobs' log groups. */
  readonly logsKey: kms.IKey;
  /**
   * Tagged columns of the schema.
   * @default - the columns of the kit's migrations (lib/database/sql)
   */
  readonly columns?: readonly SchemaColumn[];
}

/**
 * Every processor (subcontractor) of the catalog: one extracts bucket with a
 * prefix per processor, one key that wraps the processors' pseudonymisation
 * secrets, and a `ProcessorGrant` per processor (construct id: its name, so
 * its resources keep their logical ids while it stays in the configuration).
 */
export class ProcessorGrants extends Construct {
  public readonly extracts: ExtractsBucket;
  public readonly pseudonymisationKey: kms.IKey;
  /** The grant of each processor, by name. */
  public readonly grants: Readonly<Record<string, ProcessorGrant>>;

  constructor(scope: Construct, id: string, props: ProcessorGrantsProps) {
    super(scope, id);
    this.extracts = new ExtractsBucket(this, 'Extracts');
    this.pseudonymisationKey = new CustomerManagedKey(this, 'PseudonymisationKey', {
      description: "Wraps each processor's pseudonymisation secret (bound to the processor by the encryption context)",
    });
    const grants: Record<string, ProcessorGrant> = {};
    for (const processor of props.catalog.subcontractors) {
      grants[processor.name] = new ProcessorGrant(this, processor.name, {
        processor,
        extracts: this.extracts,
        pseudonymisationKey: this.pseudonymisationKey,
        database: props.database,
        vpc: props.vpc,
        subnets: props.subnets,
        logsKey: props.logsKey,
        columns: props.columns,
      });
    }
    this.grants = grants;
  }

  grant(name: string): ProcessorGrant {
    const found = this.grants[name];
    if (!found) throw new Error(`ProcessorGrants: unknown processor "${name}"; declared: ${Object.keys(this.grants).join(', ') || '(none)'}`);
    return found;
  }
}
