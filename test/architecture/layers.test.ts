import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The map of src/ that CONTRIBUTING.md draws, checked on the import graph: every folder has a
 * layer, a file imports only from its own folder or from lower layers (so folders of one layer do
 * not import each other), no import loop of any kind, and only src/store runs SQL. Type-only
 * imports count: they say what a module knows about. Tests (`*.test.ts`) are not part of the map.
 */

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Lowest first. The files directly in src/ (env.ts, files.ts, log.ts) are the folder `.`. */
const LAYERS: readonly (readonly string[])[] = [
  ['.', 'text'],
  ['domain'],
  ['sources', 'fetch'],
  ['config', 'fixtures'],
  ['store'],
  ['queue'],
  ['workers'],
  ['alerts'],
  ['app'],
  ['api'],
  ['cli'],
];

const layerOf = new Map(LAYERS.flatMap((folders, level) => folders.map((folder) => [folder, level])));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'migrations' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

const files = sourceFiles(SRC).map((file) => path.relative(SRC, file).split(path.sep).join('/'));

function folderOf(file: string): string {
  const slash = file.indexOf('/');
  return slash === -1 ? '.' : file.slice(0, slash);
}

/** Every relative import, export-from and dynamic import of a file, as paths under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(SRC, file), 'utf8');
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((imported) => imported.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) =>
      path.posix.normalize(path.posix.join(path.posix.dirname(file), name)).replace(/\.js$/, '.ts'),
    );
}

const graph = new Map(files.map((file) => [file, importsOf(file)]));

describe('the layers of src/', () => {
  it('gives every folder of src/ a layer', () => {
    const unmapped = [...new Set(files.map(folderOf))].filter((folder) => !layerOf.has(folder));
    // A new folder goes into LAYERS here and into the map in CONTRIBUTING.md.
    expect(unmapped).toEqual([]);
  });

  it('imports only from the same folder or a lower layer', () => {
    const upward: string[] = [];
    for (const [file, imports] of graph) {
      const from = folderOf(file);
      for (const target of imports) {
        const to = folderOf(target);
        if (to === from) continue;
        if ((layerOf.get(to) ?? Infinity) >= (layerOf.get(from) ?? -Infinity)) {
          upward.push(`${file} -> ${target} (${from} may not import ${to})`);
        }
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no import loop', () => {
    // Tarjan's strongly connected components: any component of more than one file is a loop.
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const loops: string[][] = [];
    const visit = (file: string): void => {
      index.set(file, index.size);
      low.set(file, index.get(file)!);
      stack.push(file);
      onStack.add(file);
      for (const target of graph.get(file) ?? []) {
        if (!graph.has(target)) continue;
        if (!index.has(target)) {
          visit(target);
          low.set(file, Math.min(low.get(file)!, low.get(target)!));
        } else if (onStack.has(target)) {
          low.set(file, Math.min(low.get(file)!, index.get(target)!));
        }
      }
      if (low.get(file) !== index.get(file)) return;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || (graph.get(file) ?? []).includes(file)) loops.push(component.sort());
    };
    for (const file of files) if (!index.has(file)) visit(file);
    expect(loops).toEqual([]);
  });
});

describe('SQL', () => {
  /** `x.query(...)` calls (a pool, a client, a transaction) and imports of the PostgreSQL driver. */
  function sqlIn(file: string): string[] {
    const text = readFileSync(path.join(SRC, file), 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const found: string[] = [];
    const visit = (node: ts.Node): void => {
      if (
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        node.expression.name.text === 'query'
      ) {
        const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
        found.push(`${file}:${line}: ${node.expression.getText().slice(0, 60)}(…)`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
      if (imported.fileName === 'pg' || imported.fileName.startsWith('pg-')) {
        found.push(`${file}: imports ${imported.fileName}`);
      }
    }
    return found;
  }

  it('is run only in src/store', () => {
    const outside = files.filter((file) => folderOf(file) !== 'store').flatMap(sqlIn);
    expect(outside).toEqual([]);
  });

  it('is found by this check where it is run', () => {
    // The check itself: the store's repositories are seen running statements.
    expect(sqlIn('store/runs.ts').length).toBeGreaterThan(5);
  });
});
