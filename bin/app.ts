#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { ConfigError } from '../lib/config/errors';
import { GdprChecks } from '../lib/nag/gdpr-checks';
import { loadConfigFile } from '../lib/config/load';
import { ContactBaselineStack } from '../lib/stacks/contact-baseline-stack';

const DEFAULT_CONFIG = 'lib/config/default.json';

function main(): void {
  const app = new App();
  const configPath = (app.node.tryGetContext('config') as string | undefined) ?? DEFAULT_CONFIG;
  let config;
  try {
    config = loadConfigFile(configPath);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nNothing was synthesized.\n`);
      process.exit(2);
    }
    throw err;
  }
  new ContactBaselineStack(app, 'GdprContactBaseline', { config });
  const packProps = { writeSuppressionsToCloudFormation: true };
  Validations.of(app).addPlugins(
    new GdprChecks(app, packProps),
    new AwsSolutionsChecks(app, packProps),
    new HIPAASecurityChecks(app, packProps),
    new NIST80053R5Checks(app, packProps),
    new PCIDSS321Checks(app, packProps),
  );
  app.synth();
}

main();
