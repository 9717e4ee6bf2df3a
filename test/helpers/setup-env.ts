// Jest setup, run in every test file before it: aws-cdk-lib's built-in CloudFormation validator
// off, as in bin/app.ts (cfn-lint runs the same checks, stricter, in CI: see "Where each check runs"
// in the README). It took most of each synth in the tests that build the whole app with a plain
// `new App()`. A test about the validator itself sets CDK_VALIDATION back.
process.env.CDK_VALIDATION ??= 'false';
