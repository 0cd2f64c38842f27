// The iris CSV split by the shipped split file, for tests that upload data as a user would.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../datasets/', import.meta.url));

export function irisCsv(subset: 'train' | 'test'): {
  csv: string;
  rows: number[][];
  labels: number[];
} {
  const [header, ...lines] = readFileSync(`${dir}iris.csv`, 'utf8').trim().split('\n');
  const split = JSON.parse(readFileSync(`${dir}iris.split.json`, 'utf8')) as Record<
    string,
    number[]
  >;
  const picked = split[subset]!.map((i) => lines[i]!);
  const rows = picked.map((l) => l.split(',').slice(0, 4).map(Number));
  const labels = picked.map((l) => Number(l.split(',')[4]));
  return { csv: `${header}\n${picked.join('\n')}\n`, rows, labels };
}
