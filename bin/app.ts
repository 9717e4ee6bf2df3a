#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { ConfigError } from '../lib/config/errors';
import { loadConfigFile } from '../lib/config/load';
import { Catalog } from '../lib/catalog/catalog';
import { checkSchemaAgainstCatalog } from '../lib/database/grants';
import { loadMigrations } from '../lib/database/migrations';
import { schemaColumns } from '../lib/database/schema-columns';
import { type BaselineConfig, permittedRegions } from '../lib/config/schema';
import { declaredParties } from '../lib/config/declared';
import { addBaselineChecks } from '../lib/nag/baseline-checks';
import { DateInputError, parseDay, warnEndedGrants } from '../lib/processors/processor-grant-expiry';
import { BundleError } from '../lib/runtime/bundles';
import { addBaselineStacks } from '../lib/stacks/baseline-app';

const DEFAULT_CONFIG = 'lib/config/default.json';

/**
 * The context the CDK CLI hands the app (cdk.json and -c options), read
 * before the App exists: constructing an App creates the output directory,
 * and a bad configuration must leave nothing behind.
 */
function cliContext(): Record<string, unknown> {
  const overflow = process.env[cxapi.CONTEXT_OVERFLOW_LOCATION_ENV];
  const json = overflow ? readFileSync(overflow, 'utf8') : process.env[cxapi.CONTEXT_ENV];
  return json ? (JSON.parse(json) as Record<string, unknown>) : {};
}

function loadConfigOrExit(context: Record<string, unknown>): BaselineConfig {
  const path = context.config;
  try {
    const config = loadConfigFile(typeof path === 'string' ? path : DEFAULT_CONFIG);
    // Where the schema stores each category decides which countFrom fits it (ConfigError, one line per problem).
    checkSchemaAgainstCatalog(Catalog.fromConfig(config), schemaColumns(loadMigrations()));
    return config;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nNothing was synthesized.\n`);
      process.exit(2);
    }
    throw err;
  }
}

/**
 * `-c today=YYYY-MM-DD`: the day an expired processor grant is judged at (a
 * warning; `cdk synth --strict` fails on it). The app never reads the clock,
 * so the template is the same on any date; without the option nothing is
 * judged against a date.
 */
function todayOrExit(context: Record<string, unknown>): string | undefined {
  const today = context.today;
  if (today === undefined) return undefined;
  try {
    parseDay(today, '-c today');
    return today as string;
  } catch (err) {
    if (err instanceof DateInputError) {
      process.stderr.write(`${err.message}\nNothing was synthesized.\n`);
      process.exit(2);
    }
    throw err;
  }
}

const context = cliContext();
const config = loadConfigOrExit(context);
const today = todayOrExit(context);
// aws-cdk-lib's built-in CloudFormation validator runs cfn-lint rules inside the synth and takes
// most of its time; the same checks run, stricter (warnings fail too), in `npm run check:templates`
// and in CI with cfn-lint itself. `-c cfnValidation=true` turns it back on. See "Where each check
// runs" in the README.
const cfnValidation = context.cfnValidation === true || context.cfnValidation === 'true';
const app = new App({ builtinCloudFormationValidation: cfnValidation });
try {
  addBaselineStacks(app, config);
  if (today) warnEndedGrants(app, today);
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  // The Lambda bundles are built, not committed (cdk.json's app command builds them first); the app never bundles.
  if (err instanceof BundleError) {
    process.stderr.write(`${message}\nNothing was synthesized.\n`);
    process.exit(1);
  }
  // A construct refusing what the configuration asks (an extract with an identifying column, a
  // missing egress, ...): its message names the field and the fix; a stack trace would bury it.
  process.stderr.write(`${message}\nNothing was synthesized.${process.env.GDPR_BASELINE_DEBUG ? `\n${(err as Error).stack}` : ' (GDPR_BASELINE_DEBUG=1 shows the stack trace)'}\n`);
  process.exit(2);
}

// Every check on: the GDPR pack and cdk-nag's reference packs.
addBaselineChecks(app, { allowedRegions: permittedRegions(config), declared: declaredParties(config) });
app.synth();
