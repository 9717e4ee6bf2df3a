import { dirname } from 'node:path';
import { Stack, Stage } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** The aws-cdk-lib this package loads, from a given folder (symlinks resolved, as Node does). */
function awsCdkLibFrom(dir?: string): string | undefined {
  try {
    return dirname(require.resolve('aws-cdk-lib/package.json', dir ? { paths: [dir] } : undefined));
  } catch {
    return undefined;
  }
}

/** A stage or stack by aws-cdk-lib's own marker, yet not of the kit's classes: built by another copy. */
function fromAnotherCopy(c: IConstruct): boolean {
  const isStage = Stage.isStage(c);
  const isStack = Stack.isStack(c);
  return (isStage && !((c as object) instanceof Stage)) || (isStack && !((c as object) instanceof Stack));
}

/**
 * Throws when the constructs of `scope` come from another copy of aws-cdk-lib
 * than the kit's, or when cdk-nag loads another copy than the kit: aws-cdk-lib
 * and cdk-nag tell resources apart with `instanceof`, so across two copies
 * cdk-nag's packs check none of the app's own resources and report nothing.
 * aws-cdk-lib is a peer dependency, so an install from the tarball or the
 * registry has one copy; an install from the kit's folder (a symlink to a
 * checkout with its own node_modules) has two, and is stopped here rather than
 * passing a gate that checked nothing.
 */
export function assertOneAwsCdkLib(scope: IConstruct): void {
  const kitCopy = awsCdkLibFrom();
  const foreign = scope.node.scopes.find(fromAnotherCopy);
  if (foreign) {
    throw new Error(
      `gdpr-contact-baseline: ${foreign.node.path || 'the app'} comes from another copy of aws-cdk-lib than the kit's (${kitCopy}); ` +
        'across two copies cdk-nag checks none of the app\'s resources. aws-cdk-lib, constructs and cdk-nag are peer dependencies: ' +
        'install the kit from its packed tarball or the registry (not from its folder) so it uses the app\'s aws-cdk-lib, and check that `npm ls aws-cdk-lib` shows one version',
    );
  }
  let nagDir: string | undefined;
  try {
    nagDir = dirname(require.resolve('cdk-nag/package.json'));
  } catch {
    return; // cdk-nag missing: the import of the packs fails with Node's own message
  }
  const nagCopy = awsCdkLibFrom(nagDir);
  if (nagCopy !== undefined && kitCopy !== undefined && nagCopy !== kitCopy) {
    throw new Error(
      `gdpr-contact-baseline: cdk-nag (${nagDir}) loads another copy of aws-cdk-lib (${nagCopy}) than the kit (${kitCopy}); its packs would check nothing. ` +
        'Keep one aws-cdk-lib in the app (`npm ls aws-cdk-lib`, then npm dedupe)',
    );
  }
}
