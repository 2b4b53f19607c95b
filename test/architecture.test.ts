import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { findCycle } from '../src/common/graph';

const ROOT = path.join(__dirname, '..');

/** Every relative import of every .ts file under a folder, as [from, to] repository paths. */
function importsUnder(folder: string): [string, string][] {
  const files = (readdirSync(path.join(ROOT, folder), { recursive: true }) as string[]).filter((f) =>
    f.endsWith('.ts'),
  );
  return files.flatMap((f) => {
    const from = path.join(folder, f);
    const text = readFileSync(path.join(ROOT, from), 'utf8');
    return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m): [string, string] => [
      from,
      path.relative(ROOT, path.resolve(ROOT, path.dirname(from), m[1]!)),
    ]);
  });
}

/** The layer of a repository path: src/<wing>/<folder>, or the top folder outside src. */
function layerOf(file: string): string {
  const parts = file.split(path.sep);
  if (parts[0] !== 'src') return parts[0]!;
  return parts.length > 2 ? parts[1]! : 'index';
}

// Which layer may import which: arrows point down only.
const ALLOWED: Record<string, readonly string[]> = {
  common: ['common'],
  synth: ['common', 'synth'],
  runtime: ['common', 'runtime'],
};

describe('layers point one way', () => {
  const arrows = importsUnder('src');

  test.each(Object.keys(ALLOWED))('src/%s imports only the layers below it', (layer) => {
    const up = arrows.filter(([from, to]) => layerOf(from) === layer && !ALLOWED[layer]!.includes(layerOf(to)));
    expect(up.map(([from, to]) => `${from} → ${to}`)).toEqual([]);
  });

  test('src never imports a definition, the projen project, a test or a bench', () => {
    expect(arrows.filter(([, to]) => !to.startsWith('src')).map(([from, to]) => `${from} → ${to}`)).toEqual([]);
  });

  test('no two folders of src import each other (no folder cycles)', () => {
    // A unit is a folder of a wing with its subfolders (src/synth/policy holds policy/rules).
    const folderOf = (f: string) => path.dirname(f).split(path.sep).slice(0, 3).join(path.sep);
    const edges = new Map<string, Set<string>>();
    for (const [from, to] of arrows) {
      const a = folderOf(from);
      const b = folderOf(to);
      if (a === b) continue;
      if (!edges.has(a)) edges.set(a, new Set());
      edges.get(a)!.add(b);
    }
    const cycle = findCycle(edges.keys(), (folder) => edges.get(folder) ?? []);
    expect(cycle?.join(' → ')).toBeUndefined();
  });

  test('workflow definitions import the kits only through src/index (never the CLI runtime)', () => {
    const bad = importsUnder('workflows-gen').filter(([, to]) => to.startsWith('src') && to !== 'src');
    expect(bad.map(([from, to]) => `${from} → ${to}`)).toEqual([]);
  });
});

describe('one way to do each thing', () => {
  /** Every .ts file of the synthesis side: the kits and the definitions. */
  const sources = ['src/synth', 'workflows-gen'].flatMap((folder) =>
    (readdirSync(path.join(ROOT, folder), { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(folder, f)),
  );

  test('step outputs and outcomes are read through stepOutput and stepOutcome, never a raw steps.* expression', () => {
    // The typed readers check that the step has an id and declares the output; a raw string does not.
    const raw = sources
      .filter((f) => f !== path.join('src', 'synth', 'workflow', 'steps.ts'))
      .flatMap((f) =>
        readFileSync(path.join(ROOT, f), 'utf8')
          .split('\n')
          .map((line, i) => [f, i + 1, line] as const),
      )
      .filter(([, , line]) => /Expression\.raw\(\s*["'`]\s*steps\./.test(line))
      .map(([f, n]) => `${f}:${n}`);
    expect(raw).toEqual([]);
  });
});
