// The import graph of src/ and workers/, read from the sources with TypeScript's parser: every
// static `import … from`, `export … from`, `import type`, literal `import()` and `import('…')`
// type. Used by test/imports.test.ts (the layering rules) and `npm run docs:imports` (the map).
// Not a bundler's resolver: relative specifiers only, `.js` read as its `.ts` source.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import ts from 'typescript';

/** One import: repository-relative paths, `to` a source file or a package specifier. */
export interface Import {
  from: string;
  to: string;
  /** `import type`, `export type`, or an `import('…')` type: gone from the emitted code. */
  typeOnly: boolean;
  line: number;
}

const roots = ['src', 'workers'];

/** The .ts sources under src/ and workers/, repository-relative with forward slashes. */
export function sourceFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      // generated files (gitignored, made by the build) import nothing, and may not exist yet
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.generated.ts'))
        files.push(path);
    }
  };
  for (const dir of roots) walk(dir);
  return files.sort();
}

/** Where a specifier in `from` points: a repository-relative .ts path, or the package name. */
export function resolveSpecifier(root: string, from: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  const target = posix.join(posix.dirname(from), specifier);
  const candidates = [
    target.replace(/\.js$/, '.ts'),
    target,
    `${target}.ts`,
    posix.join(target, 'index.ts'),
  ];
  // a generated file (gitignored, made by the build) resolves by name even before it exists
  return candidates.find((path) => existsSync(join(root, path))) ?? candidates[0]!;
}

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (clause === undefined) return false; // `import './x.js'` runs the module
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  // `import { type A, type B } from` keeps nothing at run time either
  return (
    clause.name === undefined &&
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((element) => element.isTypeOnly)
  );
}

/** The imports of one file, in source order. */
export function importsOf(root: string, file: string): Import[] {
  const text = readFileSync(join(root, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Import[] = [];
  const add = (literal: ts.StringLiteralLike, typeOnly: boolean) => {
    const line = source.getLineAndCharacterOfPosition(literal.getStart(source)).line + 1;
    found.push({ from: file, to: resolveSpecifier(root, file, literal.text), typeOnly, line });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier, isTypeOnlyImport(node));
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      add(node.moduleSpecifier, node.isTypeOnly);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      add(node.arguments[0], false);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      add(node.argument.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every import of every file under src/ and workers/. */
export function importGraph(root: string): Import[] {
  return sourceFiles(root).flatMap((file) => importsOf(root, file));
}

/**
 * The unit the layering rules speak of: a folder of src/ (`src/engine`, `src/api` with its
 * routes), a file at src/'s top (`src/errors.ts`), `workers`, or a package (`node:*`, `zod`, …).
 */
export function moduleOf(path: string): string {
  if (!path.startsWith('src/') && !path.startsWith('workers/')) return 'package';
  const parts = path.split('/');
  if (parts[0] === 'workers') return 'workers';
  return parts.length === 2 ? path : `${parts[0]}/${parts[1]}`;
}

/** The module-level map: for each module, the modules it imports with their import counts. */
export function importMap(
  files: readonly string[],
  imports: readonly Import[],
): Map<string, Map<string, number>> {
  const map = new Map<string, Map<string, number>>(
    files.map((file) => [moduleOf(file), new Map()]),
  );
  for (const { from, to } of imports) {
    const a = moduleOf(from);
    const b = moduleOf(to);
    if (a === b || b === 'package') continue;
    const targets = map.get(a)!;
    targets.set(b, (targets.get(b) ?? 0) + 1);
  }
  return map;
}

/** How high a module sits: 0 if it imports nothing of ours, else one above its highest import. */
function levels(map: Map<string, Map<string, number>>): Map<string, number> {
  const level = new Map<string, number>();
  const climb = (module: string, path: Set<string>): number => {
    const known = level.get(module);
    if (known !== undefined) return known;
    const below = [...(map.get(module)?.keys() ?? [])].filter((to) => !path.has(to)); // a cycle: cut
    const height =
      below.length === 0
        ? 0
        : 1 + Math.max(...below.map((to) => climb(to, new Set([...path, to]))));
    level.set(module, height);
    return height;
  };
  for (const module of map.keys()) climb(module, new Set([module]));
  return level;
}

/** The map as text, bottom up: one module a line, then what it imports, most-used first. */
export function importMapListing(
  files: readonly string[],
  imports: readonly Import[],
  { counts = true } = {},
): string {
  const map = importMap(files, imports);
  const level = levels(map);
  const order = [...map.keys()].sort((a, b) => level.get(a)! - level.get(b)! || a.localeCompare(b));
  const width = Math.max(...order.map((name) => name.length));
  const lines = order.map((from) => {
    const list = [...map.get(from)!]
      .sort(([a, m], [b, n]) => (counts ? n - m : 0) || a.localeCompare(b))
      .map(([to, count]) => (counts ? `${to} (${count})` : to));
    return `${from.padEnd(width)} -> ${list.length > 0 ? list.join(', ') : 'nothing'}`;
  });
  return `${lines.join('\n')}\n`;
}

type Edges = Map<string, Set<string>>;

function edgesOf(pairs: Iterable<[string, string]>): Edges {
  const edges: Edges = new Map();
  for (const [from, to] of pairs) {
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from)!.add(to);
  }
  return edges;
}

/** The strongly connected components of a graph with a cycle in them (Tarjan's algorithm). */
function tangles(edges: Edges): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const to of edges.get(node) ?? []) {
      if (!index.has(to)) {
        connect(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || edges.get(node)?.has(node)) found.push(component.sort());
  };
  for (const node of [...edges.keys()].sort()) if (!index.has(node)) connect(node);
  return found;
}

/** The shortest path from `start` to `end` along `edges`, both ends included; undefined if none. */
function shortestPath(edges: Edges, start: string, end: string): string[] | undefined {
  const previous = new Map<string, string>([[start, start]]);
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    if (node === end) {
      const path = [end];
      for (let at = end; at !== start; at = previous.get(at)!) path.unshift(previous.get(at)!);
      return path;
    }
    for (const to of edges.get(node) ?? []) {
      if (previous.has(to)) continue;
      previous.set(to, node);
      queue.push(to);
    }
  }
  return undefined;
}

/** The shortest cycle that takes the edge from -> to, as a chain (`from` at both ends). */
function cycleThrough(edges: Edges, from: string, to: string): string[] | undefined {
  const back = shortestPath(edges, to, from);
  return back === undefined ? undefined : [from, ...back];
}

const ours = (imports: readonly Import[]) => imports.filter(({ to }) => moduleOf(to) !== 'package');

/**
 * Cycles among files, one chain per tangle, shortest first. Type-only imports count (a type
 * shared both ways still ties two files together) unless `runtimeOnly`: then only imports that
 * run, the ones that can make a file evaluate before what it needs.
 */
export function fileCycles(imports: readonly Import[], { runtimeOnly = false } = {}): string[][] {
  const edges = edgesOf(
    ours(imports)
      .filter(({ typeOnly }) => !(runtimeOnly && typeOnly))
      .map(({ from, to }): [string, string] => [from, to]),
  );
  return tangles(edges).map((tangle) => {
    const chains = tangle.flatMap((from) =>
      [...(edges.get(from) ?? [])].flatMap((to) => {
        const chain = cycleThrough(edges, from, to);
        return chain === undefined ? [] : [chain];
      }),
    );
    return chains.sort((a, b) => a.length - b.length || a.join().localeCompare(b.join()))[0]!;
  });
}

/**
 * Cycles between modules (any import, type-only ones included: a type shared both ways still
 * ties two layers together), each as the chain of files that makes it, shortest first.
 */
export function moduleCycles(imports: readonly Import[]): string[][] {
  const files = edgesOf(ours(imports).map(({ from, to }): [string, string] => [from, to]));
  const modules = edgesOf(
    ours(imports)
      .map(({ from, to }): [string, string] => [moduleOf(from), moduleOf(to)])
      .filter(([a, b]) => a !== b),
  );
  return tangles(modules).map((tangle) => {
    const inside = new Set(tangle);
    const chains = ours(imports)
      .filter(({ from, to }) => moduleOf(from) !== moduleOf(to))
      .filter(({ from, to }) => inside.has(moduleOf(from)) && inside.has(moduleOf(to)))
      .flatMap(({ from, to }) => {
        const chain = cycleThrough(files, from, to);
        return chain === undefined ? [] : [chain];
      });
    return chains.sort((a, b) => a.length - b.length || a.join().localeCompare(b.join()))[0]!;
  });
}

const mapStart = '<!-- imports:start (npm run docs:imports) -->';
const mapEnd = '<!-- imports:end -->';

/** `architecture` (ARCHITECTURE.md's text) with the map between its markers made `listing`. */
export function withImportMap(architecture: string, listing: string): string {
  const start = architecture.indexOf(mapStart);
  const end = architecture.indexOf(mapEnd);
  if (start < 0 || end < start) throw new Error(`ARCHITECTURE.md lacks ${mapStart} … ${mapEnd}`);
  const block = `${mapStart}\n\`\`\`\n${listing}\`\`\`\n`;
  return architecture.slice(0, start) + block + architecture.slice(end);
}
