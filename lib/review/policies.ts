/* eslint-disable @typescript-eslint/no-explicit-any */
import { join } from 'node:path';
import type { GeneratedFile } from './outputs';
import { ROLE_TAG } from '../marks/tags';
import { readable, target } from './readable';

/** A synthesized stack template with its name. */
export interface SynthesizedStack {
  readonly name: string;
  readonly template: { Resources: Record<string, any> };
  /** The catalog SQL the stack's schema function ships in its asset (catalog.sql), when the stack has one. */
  readonly catalogSql?: string;
}

interface PolicyEntry {
  readonly file: string;
  readonly kind: string;
  readonly subject: string;
  readonly summary: string;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
const description = (r: any) => r.Properties?.Description ?? r.Properties?.description ?? '';

/** Identity-policy documents that apply to a role: inline, attached by ARN, or attaching themselves through Roles. */
function rolePolicies(resources: Record<string, any>, roleId: string): { name: string; document: any }[] {
  const role = resources[roleId];
  const attached = new Set((role.Properties?.ManagedPolicyArns ?? []).map(target).filter(Boolean));
  const out: { name: string; document: any }[] = [];
  for (const p of role.Properties?.Policies ?? []) out.push({ name: `inline ${p.PolicyName}`, document: p.PolicyDocument });
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::IAM::ManagedPolicy' && r.Type !== 'AWS::IAM::Policy') continue;
    const listsRole = (r.Properties?.Roles ?? []).some((ref: any) => target(ref) === roleId);
    if (attached.has(id) || listsRole) out.push({ name: `${r.Type === 'AWS::IAM::Policy' ? 'inline' : 'managed'} ${id}`, document: r.Properties.PolicyDocument });
  }
  for (const arn of role.Properties?.ManagedPolicyArns ?? []) {
    if (!target(arn)) out.push({ name: `AWS managed ${readable(arn)}`, document: '(AWS-managed policy, see the AWS documentation)' });
  }
  return out;
}

/**
 * Every policy document of the synthesized stacks, one readable file per
 * principal or resource, and an index. Paths are relative to policies/.
 */
export function policyDocuments(stacks: readonly SynthesizedStack[]): { files: GeneratedFile[]; index: PolicyEntry[] } {
  const files: GeneratedFile[] = [];
  const index: PolicyEntry[] = [];
  const add = (file: string, kind: string, subject: string, summary: string, content: unknown) => {
    files.push({ path: file, content: json(readable(content)) });
    index.push({ file, kind, subject, summary });
  };
  for (const { name, template } of stacks) {
    const resources = template.Resources;
    for (const [id, r] of Object.entries(resources)) {
      const p = r.Properties ?? {};
      switch (r.Type) {
        case 'AWS::IAM::Role': {
          const tags = Object.fromEntries((p.Tags ?? []).map((t: any) => [t.Key, t.Value]));
          add(join(name, 'iam-roles', `${id}.json`), 'IAM role', id, description(r) || tags[ROLE_TAG] || '', {
            role: id,
            description: p.Description,
            maxSessionDuration: p.MaxSessionDuration,
            tags: p.Tags,
            trustPolicy: p.AssumeRolePolicyDocument,
            permissions: rolePolicies(resources, id),
          });
          break;
        }
        case 'AWS::KMS::Key':
          add(join(name, 'kms-keys', `${id}.json`), 'KMS key policy', id, description(r), {
            key: id,
            description: p.Description,
            rotation: p.EnableKeyRotation === true,
            deletionPolicy: r.DeletionPolicy,
            keyPolicy: p.KeyPolicy,
          });
          break;
        case 'AWS::Backup::BackupVault':
          add(join(name, 'backup-vaults', `${id}.json`), 'Backup vault access policy', id, `vault ${readable(p.BackupVaultName) ?? id}`, {
            vault: id,
            encryptionKey: p.EncryptionKeyArn,
            lock: p.LockConfiguration,
            accessPolicy: p.AccessPolicy,
          });
          break;
        case 'AWS::S3::BucketPolicy':
          add(join(name, 'bucket-policies', `${target(p.Bucket) ?? id}.json`), 'S3 bucket policy', target(p.Bucket) ?? id, `bucket ${target(p.Bucket) ?? readable(p.Bucket)}`, {
            bucket: p.Bucket,
            policy: p.PolicyDocument,
          });
          break;
        case 'AWS::SNS::TopicPolicy':
        case 'AWS::SQS::QueuePolicy': {
          const subject = (p.Topics ?? p.Queues ?? []).map((t: any) => target(t) ?? readable(t)).join(', ');
          add(join(name, r.Type === 'AWS::SNS::TopicPolicy' ? 'topic-policies' : 'queue-policies', `${id}.json`), r.Type === 'AWS::SNS::TopicPolicy' ? 'SNS topic policy' : 'SQS queue policy', subject, subject, {
            for: subject,
            policy: p.PolicyDocument,
          });
          break;
        }
        case 'AWS::EC2::VPCEndpoint': {
          const service = readable(p.ServiceName);
          add(join(name, 'endpoint-policies', `${id}.json`), 'VPC endpoint policy', id, `${p.VpcEndpointType ?? 'Gateway'} endpoint ${service}`, {
            endpoint: id,
            service: p.ServiceName,
            type: p.VpcEndpointType ?? 'Gateway',
            policy: p.PolicyDocument ?? '(no policy: full access, AWS default)',
          });
          break;
        }
        default:
          break;
      }
    }
  }
  return { files, index };
}
/* eslint-enable @typescript-eslint/no-explicit-any */
