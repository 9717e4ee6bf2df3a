import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule } from '../rule';
import { allowStatements, grantsAction, identityPolicyDocuments } from '../iam';
import { asArray, resolved } from '../resolve';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** A resource value split into literal text and CloudFormation tokens. */
interface ResourceText {
  /** As cdk-nag prints it: tokens as `<LogicalId.Attribute>` or `<AWS::Partition>`. */
  readonly display: string;
  /** The literal characters only, each token replaced by one NUL. */
  readonly literal: string;
}

const TOKEN = '\u0000';

/** Renders a resolved `Resource` value (string, `Fn::Join`, `Ref`, `Fn::GetAtt`, ...). */
export function resourceText(value: unknown): ResourceText {
  if (typeof value === 'string') return { display: value, literal: value };
  if (value && typeof value === 'object') {
    const v = value as Record<string, any>;
    const join = v['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      const parts = join[1].map(resourceText);
      return { display: parts.map((p) => p.display).join(join[0]), literal: parts.map((p) => p.literal).join(join[0]) };
    }
    if (typeof v.Ref === 'string') return { display: `<${v.Ref}>`, literal: TOKEN };
    const getAtt = v['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return { display: `<${getAtt.join('.')}>`, literal: TOKEN };
    if (typeof getAtt === 'string') return { display: `<${getAtt}>`, literal: TOKEN };
  }
  return { display: `<${JSON.stringify(value)}>`, literal: TOKEN };
}

function isWildcard(text: string): boolean {
  return text.includes('*') || text.includes('?');
}

/** Whether a resource of `rds-db:connect` reaches more than one named database user. */
function dbUserWildcard({ literal }: ResourceText): boolean {
  if (literal === '*') return true;
  const at = literal.indexOf(':dbuser:');
  if (at < 0) {
    // arn:aws:rds-db:eu-west-3:111122223333:* covers every user; a value that is
    // only a token (a parameter, an import) can be anything.
    return isWildcard(literal) || literal.split('').every((c) => c === TOKEN);
  }
  const dbUser = literal.slice(at + ':dbuser:'.length);
  return isWildcard(dbUser);
}

export const DbConnectScoped: GdprRule = {
  id: 'Art32-DbConnectScoped',
  article: 'Art. 25(2), Art. 32(1)(b), Art. 32(4)',
  level: NagMessageLevel.ERROR,
  info: 'An identity policy grants rds-db:connect on a wildcard: it can sign in to the database as other users than its own.',
  explanation:
    'Art. 25(2) and 32(4): each role reaches only the personal data its purpose needs, and the database enforces that per PostgreSQL user. A wildcard in the database user ARN (any cluster, any user) lets the role sign in as another role, or as the master user, and read what that user reads, defeating the role catalog.',
  trigger:
    '`AWS::IAM::Policy`, `AWS::IAM::ManagedPolicy` and the inline policies of `AWS::IAM::Role`, `User` and `Group` whose `Allow` statement grants `rds-db:connect` (also through `rds-db:*`, `*` or a `NotAction`) on `*`, through `NotResource`, or on a resource whose `dbuser:<cluster resource id>/<user>` part has a literal `*` or `?` (or that is only an unresolvable token). One finding per resource, `Resource::<arn>` (`NotResource::<arn>`).',
  fix: 'Grant `rds-db:connect` on exactly one database user ARN, `arn:<partition>:rds-db:<region>:<account>:dbuser:<cluster.clusterResourceIdentifier>/<user>`, per role (`AccessRoles` does).',
  check(node: CfnResource): NagRuleResult {
    const resource = resolved(node);
    const documents = identityPolicyDocuments(resource);
    if (documents === undefined) return NagRuleCompliance.NOT_APPLICABLE;
    const findings = new Set<string>();
    for (const statement of allowStatements(documents)) {
      if (!grantsAction(statement, 'rds-db:connect')) continue;
      if (statement.NotResource !== undefined) {
        findings.add(`NotResource::${asArray(statement.NotResource).map((r) => resourceText(r).display).join(',')}`);
        continue;
      }
      for (const value of asArray(statement.Resource)) {
        const text = resourceText(value);
        if (dbUserWildcard(text)) findings.add(`Resource::${text.display}`);
      }
    }
    return findings.size === 0 ? NagRuleCompliance.COMPLIANT : [...findings].sort();
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */
