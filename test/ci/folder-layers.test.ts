import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import * as ts from 'typescript';

/*
 * The folders of lib/ form layers: a folder imports only folders below it, so
 * no loop can come back between them (before issue 14, network, nag,
 * processors, runtime, database, config and catalog all reached each other).
 * The order, bottom first. A new folder must be placed here.
 *
 * lib/runtime holds two things: the asset code the constructs use
 * (bundles.ts: where a handler's bundle lies) and the handler sources, which
 * esbuild bundles into those assets and nothing in the library imports. The
 * handlers sit at the top (they run the database's migrator and the
 * processors' extract code); the asset code sits near the bottom.
 */
const LAYERS: readonly string[] = [
  'package', // one aws-cdk-lib check, no kit import
  'residency', // regions, global services, S3 prefix lists: data
  'marks', // tag and metadata keys, acknowledge: what constructs write and rules read
  'keys', // CustomerManagedKey
  'runtime', // asset code only (bundles.ts)
  'config', // the configuration's schema, defaults and checks
  'catalog', // the data catalog read from the configuration
  'network', // VPC, VPN, InVpcFunction
  'database', // the cluster, its SQL and migrations
  'processors',
  'lifecycle',
  'backup',
  'breach',
  'access',
  'nag', // the rule packs: read the template, import no construct
  'check', // gdpr-baseline check over synthesized templates
  'cost', // gdpr-baseline cost: a monthly estimate of synthesized templates from the shipped price table
  'stacks',
  'review', // the review outputs of a synthesized app
  'cli',
  'runtime:handlers', // handler sources, bundled, imported by nothing in lib/
];
/** lib/runtime files that are asset code; every other file there is a handler source. */
const RUNTIME_ASSET_CODE = ['bundles.ts'];

const LIB = resolve(__dirname, '..', '..', 'lib');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'dist' || e.name === 'node_modules' ? [] : sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The layer of a file under lib/ (undefined for lib/index.ts, the package's entry, which may import every layer). */
function layerOf(file: string): string | undefined {
  const parts = relative(LIB, file).split(sep);
  if (parts.length === 1) return undefined;
  if (parts[0] === 'runtime' && !(parts.length === 2 && RUNTIME_ASSET_CODE.includes(parts[1]))) return 'runtime:handlers';
  return parts[0];
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly fromLayer: string;
  readonly toLayer: string;
}

/** Every import (static, `export from`, `require`, `import()`) of one lib/ file by another, across layers. */
function crossLayerImports(): Edge[] {
  const edges: Edge[] = [];
  for (const file of sources(LIB)) {
    const fromLayer = layerOf(file);
    if (fromLayer === undefined) continue;
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = resolve(dirname(file), fileName);
      const toLayer = layerOf(target.endsWith('.ts') ? target : `${target}.ts`);
      if (toLayer === undefined || toLayer === fromLayer) continue;
      edges.push({ from: relative(LIB, file), to: fileName, fromLayer, toLayer });
    }
  }
  return edges;
}

/** The imports that go up or sideways in the order, as `file -> import (layer -> layer)`. */
export function layerViolations(edges: readonly Edge[], order: readonly string[]): string[] {
  return edges
    .filter((e) => !(order.indexOf(e.toLayer) >= 0 && order.indexOf(e.toLayer) < order.indexOf(e.fromLayer)))
    .map((e) => `${e.from} -> ${e.to} (${e.fromLayer} -> ${e.toLayer})`);
}

/** Folder-level cycles (strongly connected components of more than one layer), for the message. */
export function folderCycles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const e of edges) next.set(e.fromLayer, (next.get(e.fromLayer) ?? new Set()).add(e.toLayer));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe('folder layers of lib/', () => {
  let edges: Edge[];
  beforeAll(() => {
    edges = crossLayerImports();
  });

  test('every folder of lib/ has its place in the order', () => {
    const folders = readdirSync(LIB, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.filter((f) => !LAYERS.includes(f))).toEqual([]);
  });

  test('a folder imports only folders below it', () => {
    expect(layerViolations(edges, LAYERS)).toEqual([]);
  });

  test('no folder-level import cycle', () => {
    expect(folderCycles(edges)).toEqual([]);
  });

  test('nothing in lib/ imports a handler source: the constructs reach handlers only through their bundles', () => {
    expect(edges.filter((e) => e.toLayer === 'runtime:handlers').map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  test('the check reports an upward import and the loop it closes', () => {
    // Given the loop of before issue 14: network acknowledges through nag, whose rules read the processors' markers.
    const loop: Edge[] = [
      { from: 'network/in-vpc-function.ts', to: '../nag/acknowledge', fromLayer: 'network', toLayer: 'nag' },
      { from: 'nag/rules/x.ts', to: '../../processors/markers', fromLayer: 'nag', toLayer: 'processors' },
      { from: 'processors/processor-grant.ts', to: '../network/in-vpc-function', fromLayer: 'processors', toLayer: 'network' },
    ];
    expect(layerViolations(loop, LAYERS)).toEqual(['network/in-vpc-function.ts -> ../nag/acknowledge (network -> nag)']);
    expect(folderCycles(loop)).toEqual([['nag', 'network', 'processors']]);
    expect(layerViolations([{ from: 'a/x.ts', to: '../b/y', fromLayer: 'a', toLayer: 'unplaced' }], LAYERS)).toHaveLength(1);
  });
});
