import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { profileTable } from './src/data/profile.ts';
const text = readFileSync('test/fixtures/cars.csv', 'utf8');
const [head, ...rows] = parse(text) as string[][];
const big = { header: head!, rows: Array.from({ length: 1000 }, () => rows.map((r) => [...r])).flat() };
const time = (what: string, f: () => unknown) => { const t = performance.now(); const v = f(); console.log(what, (performance.now() - t).toFixed(0), 'ms'); return v; };
time('profile with label', () => profileTable(big, { label: 'Miles_per_Gallon' }));
for (let c = 0; c < head!.length; c++) {
  const one = { header: [head![c]!], rows: big.rows.map((r) => [r[c]]) };
  time(`  column ${head![c]}`, () => profileTable(one));
}
// continuous numbers: every value distinct
const cont = { header: ['x'], rows: Array.from({ length: 400000 }, () => [String(Math.random())]) };
time('continuous column', () => profileTable(cont));
