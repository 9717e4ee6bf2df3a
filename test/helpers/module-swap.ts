// jest.mock for the light runner, where one worker process runs many files in one Node.js module
// registry: a module of the kit replaced for one load or one call, through Node's module cache, and
// the cache put back afterwards, so that no other file of the worker ever sees the replacement.
import Module from 'node:module';
import { join, sep } from 'node:path';

const LIB = `${join(__dirname, '..', '..', 'lib')}${sep}`;

/** A module cache entry whose exports are `exports`, as if the file at `path` had been loaded. */
function cachedModule(path: string, exports: object): NodeJS.Module {
  const entry = new Module(path) as NodeJS.Module & { filename: string; loaded: boolean };
  entry.filename = path;
  entry.loaded = true;
  entry.exports = exports;
  return entry;
}

/**
 * Runs `fn` with the module `path` (resolved from the kit's `lib/`, such as `review/synthesize`)
 * answering `exports` to every `require` made meanwhile; the kit's lazy `require`s (the CLI loads a
 * command's modules when it runs) then get the replacement. The cached module is put back after.
 */
export function withModule<T>(path: string, exports: object, fn: () => T): T {
  const file = require.resolve(join(LIB, path));
  const saved = require.cache[file];
  require.cache[file] = cachedModule(file, exports);
  try {
    return fn();
  } finally {
    if (saved) require.cache[file] = saved;
    else delete require.cache[file];
  }
}

/**
 * Loads the kit's module `entry` (from `lib/`, such as `stacks/contact-baseline-stack`) afresh,
 * every module of `lib/` with it, and `path` replaced by what `replace` makes of the real module's
 * exports: the copy `entry` returns uses the replacement for good (its modules bound it when they
 * loaded), while every other file keeps the kit's modules, put back in the cache before this returns.
 */
export function loadWithModule<T>(entry: string, path: string, replace: (actual: Record<string, unknown>) => object): T {
  const file = require.resolve(join(LIB, path));
  const ours = Object.entries(require.cache).filter(([f]) => f.startsWith(LIB));
  for (const [f] of ours) delete require.cache[f];
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const actual = require(file) as Record<string, unknown>;
    require.cache[file] = cachedModule(file, replace(actual));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(join(LIB, entry)) as T;
  } finally {
    for (const f of Object.keys(require.cache)) if (f.startsWith(LIB)) delete require.cache[f];
    for (const [f, cached] of ours) require.cache[f] = cached;
  }
}
