// The public tables `npm run bench:tables` trains on, each uploaded raw with `?label=`: StatLib
// cars (issue 14's own), and the three in bench/data/ (their sources, licences and citations
// are in bench/data/README.md). Not here: reading or running them (bench/tables.ts).
import type { Task } from '../../src/data/index.js';

export interface BenchTable {
  /** The file, from the repository's root. */
  file: string;
  label: string;
  /** The task our profile infers for the label (checked against it when the bench runs). */
  task: Task;
  /** One line for the report: what the table is and what makes it a real one. */
  about: string;
}

export const benchTables: BenchTable[] = [
  {
    // the copy of shared/data/cars.csv the profile's tests use
    file: 'test/fixtures/cars.csv',
    label: 'Miles_per_Gallon',
    task: 'regression',
    about:
      'StatLib cars: a text Name, a date Year, a categorical Origin, blanks in Horsepower and in the label',
  },
  {
    file: 'bench/data/penguins.csv',
    label: 'Species',
    task: 'classification',
    about:
      'Palmer penguins, 3 species: a categorical Island, a Sex with blanks and one ".", blanks in every measurement',
  },
  {
    file: 'bench/data/credit.csv',
    label: 'Status',
    task: 'classification',
    about:
      'credit scoring, good or bad: categorical Home, Marital and Job with blanks, a yes/no Records, blanks in Income, Assets and Debt',
  },
  {
    file: 'bench/data/slid.csv',
    label: 'wages',
    task: 'regression',
    about:
      'Ontario wages (SLID 1994): categorical sex and language (blanks), blanks in education and in 3,278 labels',
  },
];
