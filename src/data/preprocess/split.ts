// The test split of a table (issue 14, `training.testSplit`): which rows are held out from
// training and early stopping, to be evaluated on when the job ends. Seeded with its own stream
// of the job's seed (deriveSeed(seed, testSplitStream)), apart from the engine's validation
// split (stream 2), its weights (1) and its batches (3).
//   held out   round(rows × fraction), at least 1 and at most rows − 1 (as the engine's
//              validation split); none when fraction ≤ 0 or there is a single row.
//   by class   with `classOf`, each class c of n_c rows gives floor(n_c × fraction) rows, and
//              one more goes to the classes with the largest remainders (ties: the lower class
//              index) until the total is reached; a class never gives its last row, so a class
//              of one row stays in training, and the total can fall short (every class tiny).
//   which      a seeded shuffle of the rows (of each class's rows, classes in index order).
// Both lists come back sorted ascending. Pure; not the validation split (src/engine).
import { createRandom, deriveSeed, shuffle } from '../../engine/index.js';

/** The stream of the job's seed that draws the test rows. */
export const testSplitStream = 4;

export interface TestSplit {
  train: Uint32Array;
  test: Uint32Array;
}

/** Rows 0…rows−1 split into training and test rows; stratified when classOf gives each row's class. */
export function testSplitOf(
  rows: number,
  fraction: number,
  seed: number,
  classOf?: Int32Array,
): TestSplit {
  const all = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) all[i] = i;
  if (!(fraction > 0) || rows < 2) return { train: all, test: new Uint32Array(0) };
  const total = Math.min(rows - 1, Math.max(1, Math.round(rows * fraction)));
  const random = createRandom(deriveSeed(seed, testSplitStream));
  const held = new Uint8Array(rows);
  if (classOf === undefined) {
    shuffle(all, random);
    for (let i = 0; i < total; i++) held[all[i]!] = 1;
  } else {
    if (classOf.length !== rows) throw new Error(`${classOf.length} classes for ${rows} rows`);
    const members = rowsByClass(classOf);
    const takes = quotas(
      members.map((m) => m.length),
      fraction,
      total,
    );
    members.forEach((m, c) => {
      shuffle(m, random);
      for (let i = 0; i < takes[c]!; i++) held[m[i]!] = 1;
    });
  }
  return split(held);
}

// Each class's rows, ascending; classes are 0…max(classOf).
function rowsByClass(classOf: Int32Array): Uint32Array[] {
  let classes = 0;
  for (let r = 0; r < classOf.length; r++) {
    if (classOf[r]! < 0) throw new Error('a row without a class cannot be split by class');
    classes = Math.max(classes, classOf[r]! + 1);
  }
  const counts = new Uint32Array(classes);
  for (let r = 0; r < classOf.length; r++) counts[classOf[r]!]!++;
  const members = Array.from(counts, (n) => new Uint32Array(n));
  counts.fill(0);
  for (let r = 0; r < classOf.length; r++) {
    const c = classOf[r]!;
    members[c]![counts[c]!++] = r;
  }
  return members;
}

// Rows each class gives: its floor, plus one for the largest remainders until `total`.
function quotas(sizes: number[], fraction: number, total: number): number[] {
  const cap = sizes.map((n) => Math.max(0, n - 1));
  const takes = sizes.map((n, c) => Math.min(cap[c]!, Math.floor(n * fraction)));
  let left = total - takes.reduce((a, b) => a + b, 0);
  const byRemainder = sizes
    .map((n, c) => ({ c, remainder: n * fraction - Math.floor(n * fraction) }))
    .sort((a, b) => b.remainder - a.remainder || a.c - b.c);
  for (const { c } of byRemainder) {
    if (left <= 0) break;
    if (takes[c]! < cap[c]!) {
      takes[c]!++;
      left--;
    }
  }
  return takes;
}

function split(held: Uint8Array): TestSplit {
  let tests = 0;
  for (let r = 0; r < held.length; r++) tests += held[r]!;
  const train = new Uint32Array(held.length - tests);
  const test = new Uint32Array(tests);
  let a = 0;
  let b = 0;
  for (let r = 0; r < held.length; r++) {
    if (held[r]) test[b++] = r;
    else train[a++] = r;
  }
  return { train, test };
}
