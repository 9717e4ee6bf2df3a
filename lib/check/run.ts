import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { reasonProblem, splitNamedAcknowledgment, targetNamesTemplateResource } from '../marks/acknowledge';
import type { DeclaredParties } from '../config/declared';
import { GdprChecks, GDPR_PACK_NAME } from '../nag/gdpr-checks';
import { GDPR_RULES } from '../nag/rules';
import { PROCESSOR_TAG } from '../marks/tags';
import { endedTrust, endedTrustMessage, parseDay } from '../processors/processor-grant-expiry';
import { DEFAULT_ALLOWED_REGIONS } from '../residency/regions';
import { controlTowerRules, findCfnGuard, guardTemplates } from './guard';
import { InputError, TemplateInput } from './templates';

/** The rule packs `check` can run, given the allowed regions (the GDPR pack's prop); GDPR always runs. */
export const PACKS: Record<string, (allowedRegions: readonly string[], declared?: DeclaredParties, appAccounts?: readonly string[]) => NagPack> = {
  gdpr: (allowedRegions, declared, appAccounts) => new GdprChecks(undefined, { allowedRegions, declared, appAccounts }),
  'aws-solutions': () => new AwsSolutionsChecks(),
  hipaa: () => new HIPAASecurityChecks(),
  nist: () => new NIST80053R5Checks(),
  pci: () => new PCIDSS321Checks(),
};

export interface Finding {
  /** Pack that reported it: GDPR, AwsSolutions, ..., ControlTower. */
  readonly pack: string;
  /** Full rule id as acknowledged, with the finding between brackets when the rule reports several. */
  readonly ruleId: string;
  /** Rule id without the finding. */
  readonly rule: string;
  readonly level: 'error' | 'warning';
  readonly message: string;
  /** GDPR articles the rule protects (GDPR pack). */
  readonly article?: string;
  readonly fix?: string;
  readonly template: string;
  readonly stack: string;
  readonly logicalId: string;
  readonly resourceType: string;
  /** The processor (tag `gdpr:processor`) of an expired grant, to point at its entry of the configuration. */
  readonly processor?: string;
}

export interface Acknowledgment {
  readonly ruleId: string;
  readonly reason: string;
  readonly template: string;
  readonly logicalId: string;
  readonly resourceType: string;
}

/** Control Tower Guard findings as check findings (one per failing resource). */
export function guardFindings(inputs: readonly TemplateInput[]): Finding[] {
  const byPath = new Map(inputs.map((i) => [i.path, i]));
  const raw = guardTemplates(findCfnGuard(), controlTowerRules(), inputs.map((i) => i.path), '/');
  return raw.flatMap((g) => {
    const input = [...byPath.values()].find((i) => g.template === i.path || g.template.endsWith(i.path.replace(/^\.?\//, '')));
    const resources = g.resources.length > 0 ? g.resources : ['(template)'];
    return resources.map((logicalId) => ({
      pack: 'ControlTower',
      ruleId: g.controls[0] ?? g.rule,
      rule: g.controls[0] ?? g.rule,
      level: 'error' as const,
      message: `${g.requirement || g.rule} (${g.rule})`,
      template: input?.path ?? g.template,
      stack: input?.name ?? g.template,
      logicalId,
      resourceType: input?.template.Resources[logicalId]?.Type ?? 'unknown',
    }));
  });
}

/** An acknowledgment of the template that `check` did not honour, and why: its finding is reported. */
export interface IgnoredAcknowledgment extends Acknowledgment {
  readonly problem: string;
}

export interface CheckOptions {
  /** Regions personal data may live in. @default the EU member-state regions */
  readonly allowedRegions?: readonly string[];
  /** Packs besides GDPR, by key of PACKS. @default none */
  readonly packs?: readonly string[];
  /** Also run the AWS Control Tower proactive controls (cfn-guard). @default false */
  readonly guard?: boolean;
  /**
   * The day (YYYY-MM-DD) processor grants are judged at: a role whose trust
   * ended by then is a finding (`GDPR-Art28-ProcessorGrantExpired`).
   * @default - nothing is judged against a date (check never reads the clock)
   */
  readonly today?: string;
  /**
   * What the configuration declares (`check --config`): the processors' and
   * backup accounts resource policies may name, the erasure bound.
   * @default - no other account is allowed, no bound is checked
   */
  readonly declared?: DeclaredParties;
  /**
   * The account templates deploy to when their cloud assembly manifest does
   * not say (`check --account`): the stack's own account for the rules
   * (a role or policy naming it is not a cross-account grant).
   * @default - inferred from the template's own ARNs when they name exactly one account, else unknown
   */
  readonly account?: string;
}

/** Keys whose values name who is granted, never the template's own account (left out of the inference). */
const GRANTEE_KEYS = new Set(['Principal', 'NotPrincipal', 'Condition', 'SourceAccount', 'AssumeRolePolicyDocument', 'ValuesToAdd', 'DestinationBackupVaultArn']);
const ARN_ACCOUNT = /arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):/g;

/**
 * The account a template deploys to, read from its own ARNs (`arn:aws:<service>:<region>:<account>:...`)
 * when they name exactly one account, else undefined (never a guess between two). ARNs in principals,
 * conditions, trust policies, `SourceAccount`, shared snapshots' `ValuesToAdd` and backup copies'
 * `DestinationBackupVaultArn` name grantees or destinations, not the template's own: they are left out,
 * so a template that only grants to another account never makes that account its own.
 */
export function inferAccount(template: TemplateInput['template']): string | undefined {
  const accounts = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      for (const match of value.matchAll(ARN_ACCOUNT)) accounts.add(match[1]);
    } else if (Array.isArray(value)) {
      value.forEach(walk);
    } else if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) if (!GRANTEE_KEYS.has(key)) walk(v);
    }
  };
  for (const resource of Object.values(template.Resources)) {
    // A Lambda permission's Principal is a plain string property, left out above; its SourceArn is a grantee's too.
    const properties = resource.Properties ?? {};
    walk(resource.Type === 'AWS::Lambda::Permission' ? Object.fromEntries(Object.entries(properties).filter(([k]) => k !== 'SourceArn')) : properties);
  }
  return accounts.size === 1 ? [...accounts][0] : undefined;
}

/** Rule id of an ended processor grant, reported by `check --today` only (it depends on the date, so it is not in the pack). */
export const GRANT_EXPIRED_RULE = 'GDPR-Art28-ProcessorGrantExpired';

/** Roles of a template whose trust ended by `today` (00:00 UTC, ms): one warning each. */
function endedGrantFindings(input: TemplateInput, today: number): Finding[] {
  return Object.entries(input.template.Resources).flatMap(([logicalId, resource]) => {
    if (resource.Type !== 'AWS::IAM::Role') return [];
    const tags = resource.Properties?.Tags;
    const processor = Array.isArray(tags) ? tags.find((t) => t?.Key === PROCESSOR_TAG && typeof t.Value === 'string')?.Value : undefined;
    return endedTrust(resource.Properties?.AssumeRolePolicyDocument, today).map((ended) => ({
      pack: GDPR_PACK_NAME,
      ruleId: GRANT_EXPIRED_RULE,
      rule: GRANT_EXPIRED_RULE,
      level: 'warning' as const,
      message: `A processor grant has expired: ${endedTrustMessage(ended, today)}.`,
      article: 'Art. 28(3)',
      fix: 'Renew the contract and move expiryDate in the configuration, or remove the subcontractor (and its role).',
      template: input.path,
      stack: input.name,
      logicalId,
      resourceType: resource.Type,
      ...(processor ? { processor: processor as string } : {}),
    }));
  });
}

export interface CheckResult {
  /** Each template, with the account it was checked as (`accountFrom`: manifest, --account or inferred; absent when unknown). */
  readonly templates: readonly { path: string; region: string; resources: number; account?: string; accountFrom?: 'manifest' | 'option' | 'inferred' }[];
  readonly findings: readonly Finding[];
  readonly acknowledged: readonly Acknowledgment[];
  /** Acknowledgments whose reason is empty, shorter than 30 characters or generic: ignored, so their findings stay. */
  readonly ignoredAcknowledgments: readonly IgnoredAcknowledgment[];
}

interface Suppression {
  id?: unknown;
  reason?: unknown;
  applies_to?: unknown;
  appliesTo?: unknown;
}

/**
 * Acknowledgments written into a template (`Metadata.cdk_nag.rules_to_suppress`, cdk-nag v2 and v3 forms)
 * that concern this resource: one that names another resource (`<rule>@<logical id or path>`, copied onto
 * every resource below the scope that recorded it) is left out. The reason is returned as written.
 */
function templateAcknowledgments(logicalId: string, metadata: Record<string, unknown> | undefined): { ruleId: string; reason: unknown }[] {
  const rules = (metadata?.cdk_nag as { rules_to_suppress?: Suppression[] } | undefined)?.rules_to_suppress;
  if (!Array.isArray(rules)) return [];
  return rules.flatMap((r) => {
    if (typeof r?.id !== 'string') return [];
    const { ruleId, target } = splitNamedAcknowledgment(r.id);
    if (target !== undefined && !targetNamesTemplateResource(target, logicalId, metadata?.['aws:cdk:path'])) return [];
    const appliesTo = (r.applies_to ?? r.appliesTo) as unknown[] | undefined;
    // Drop a pack namespace (AwsSolutions::AwsSolutions-IAM4), never a part of the finding.
    const id = ruleId.replace(/^[\w.]+::(?=[\w.]+-)/, '');
    return Array.isArray(appliesTo) && appliesTo.length > 0
      ? appliesTo.filter((a): a is string => typeof a === 'string').map((a) => ({ ruleId: `${id}[${a}]`, reason: r.reason }))
      : [{ ruleId: id, reason: r.reason }];
  });
}

/** The account a template is checked as: its manifest's, else the one given, else inferred from its ARNs. */
function accountOf(input: TemplateInput, given: string | undefined): { account?: string; accountFrom?: 'manifest' | 'option' | 'inferred' } {
  if (input.account !== undefined) return { account: input.account, accountFrom: 'manifest' };
  if (given !== undefined) return { account: given, accountFrom: 'option' };
  const inferred = inferAccount(input.template);
  return inferred === undefined ? {} : { account: inferred, accountFrom: 'inferred' };
}

const RULES_BY_ID = new Map(GDPR_RULES.map((r) => [`${GDPR_PACK_NAME}-${r.id}`, r]));

/**
 * Runs the GDPR pack (and, on request, cdk-nag's packs) over CloudFormation
 * templates that need not come from this kit: each template is loaded into a
 * stack of its region with CfnInclude, so the rules see it as they see a
 * synthesized app. Acknowledgments recorded in the template metadata are
 * honoured and listed, unless their reason is empty, shorter than 30
 * characters or generic (the rule of `acknowledge`): those are ignored, so
 * their findings stay, and listed as ignored.
 */
export function checkTemplates(inputs: readonly TemplateInput[], options: CheckOptions = {}): CheckResult {
  const outdir = mkdtempSync(join(tmpdir(), 'gdpr-check-'));
  try {
    const app = new App({ outdir });
    // An empty list is no list (as before): the EU member-state regions.
    const allowedRegions = options.allowedRegions?.length ? options.allowedRegions : DEFAULT_ALLOWED_REGIONS;
    const findings: Finding[] = [];
    const acknowledged: Acknowledgment[] = [];
    const ignoredAcknowledgments: IgnoredAcknowledgment[] = [];
    const today = options.today === undefined ? undefined : parseDay(options.today, '--today');
    const packs = ['gdpr', ...(options.packs ?? []).filter((p) => p !== 'gdpr')];
    for (const unknownPack of packs.filter((p) => !PACKS[p])) {
      throw new InputError(`unknown pack "${unknownPack}"; choose among ${Object.keys(PACKS).join(', ')}`);
    }
    if (options.account !== undefined && !/^\d{12}$/.test(options.account)) {
      throw new InputError(`account must be 12 digits, such as 111122223333; got ${options.account}`);
    }
    const accounts = inputs.map((input) => accountOf(input, options.account));
    // A cloud assembly's manifest names the account of each of its stacks: a policy naming one of them (the production
    // key naming the backup account's stack, its vault naming production) names the app itself, not a stranger.
    const appAccounts = [...new Set(accounts.filter((a) => a.accountFrom === 'manifest').map((a) => a.account as string))];
    inputs.forEach((input, index) => {
      const stack = new Stack(app, `Template${index}`, { env: { region: input.region, account: accounts[index].account } });
      let included: CfnInclude;
      try {
        included = new CfnInclude(stack, 'Template', { templateFile: input.path });
      } catch (err) {
        throw new InputError(`${input.path}: cannot be loaded as a CloudFormation template: ${(err as Error).message.split('\n')[0]}`);
      }
      for (const [logicalId, resource] of Object.entries(input.template.Resources)) {
        for (const ack of templateAcknowledgments(logicalId, resource.Metadata)) {
          const where = { template: input.path, logicalId, resourceType: resource.Type };
          const problem = reasonProblem(ack.reason);
          if (problem) {
            ignoredAcknowledgments.push({ ruleId: ack.ruleId, reason: typeof ack.reason === 'string' ? ack.reason : '', problem, ...where });
            continue;
          }
          const reason = (ack.reason as string).trim();
          Validations.of(included.getResource(logicalId)).acknowledge({ id: ack.ruleId, reason });
          acknowledged.push({ ruleId: ack.ruleId, reason, ...where });
        }
      }
      for (const key of packs) {
        const pack = PACKS[key](allowedRegions, options.declared, appAccounts);
        for (const violation of pack.validateScope(stack).violations) {
          for (const where of violation.violatingResources) {
            const logicalId = (where.constructPath ?? '').split('/').pop() as string;
            const resource = included.getResource(logicalId) as CfnResource;
            const rule = violation.ruleName.replace(/\[.*\]$/, '');
            const gdpr = RULES_BY_ID.get(rule);
            // cdk-nag reports a rule that threw (a property CloudFormation's schema refuses, a value it cannot read) in
            // its own words: say it plainly, never with the rule's info, which would claim what was not found.
            const unreadable = violation.description.startsWith('Rule threw an error during validation');
            findings.push({
              pack: pack.readPackName,
              ruleId: violation.ruleName,
              rule,
              level: violation.severity === 'error' || violation.severity === 'fatal' ? 'error' : 'warning',
              message: unreadable
                ? `The rule could not evaluate this resource, so it is not known to comply: a property is not what CloudFormation's schema describes (a policy given as a JSON string, say) or a value is an intrinsic the rule cannot read.`
                : gdpr
                  ? gdpr.info
                  : violation.description,
              article: gdpr?.article,
              fix: unreadable ? 'Write the resource as the CloudFormation resource reference describes it (a policy document as an object), with literal values where the rule must read them.' : gdpr?.fix,
              template: input.path,
              stack: input.name,
              logicalId,
              resourceType: resource.cfnResourceType,
            });
          }
        }
      }
      if (today !== undefined) findings.push(...endedGrantFindings(input, today));
    });
    if (options.guard) findings.push(...guardFindings(inputs));
    return {
      templates: inputs.map((i, index) => ({
        path: i.path,
        region: i.region as string,
        resources: Object.keys(i.template.Resources).length,
        ...accounts[index],
      })),
      findings,
      acknowledged,
      ignoredAcknowledgments,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
