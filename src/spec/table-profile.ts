// The profile of an uploaded table as the API shows it and the dataset's stored meta keeps it
// (issue 14, "Columns, typed"): each column's type, missing and distinct counts and the
// statistics of its type; the label and its task; the rows dropped before storing. Schemas only:
// src/data/profile.ts computes a profile, and src/data/column-profile.ts's types are checked
// against these at compile time (the end of column-profile.ts), so the two cannot drift.
import { z } from 'zod';

const count = z.number().int().min(0);
const base = {
  name: z.string(),
  missing: count.describe('cells that are blank, null, left out or a missing token'),
  distinct: count.describe('distinct present values'),
};

const valueCount = <T extends z.ZodType>(value: T) => z.object({ value, count });

export const columnProfileSchema = z
  .discriminatedUnion('type', [
    z.object({
      ...base,
      type: z.literal('numeric'),
      min: z.number(),
      max: z.number(),
      mean: z.number(),
      std: z.number().describe('population standard deviation (divides by n)'),
      median: z.number(),
      integer: z.boolean().describe('every value is a whole number'),
    }),
    z.object({
      ...base,
      type: z.literal('categorical'),
      top: z.array(valueCount(z.string())).describe('the most frequent values, at most 10'),
    }),
    z.object({
      ...base,
      type: z.literal('boolean'),
      top: z.array(valueCount(z.boolean())),
    }),
    z.object({
      ...base,
      type: z.literal('datetime'),
      min: z.string().describe('ISO 8601: YYYY-MM-DD when every cell is a date alone'),
      max: z.string(),
    }),
    z.object({
      ...base,
      type: z.enum(['text', 'id', 'ignored']),
      reason: z.string().describe('why no model reads it by default'),
    }),
  ])
  .meta({
    id: 'ColumnProfile',
    description:
      'One column: numeric, categorical, boolean, datetime, or text / id / ignored (skipped by default, with the reason)',
  });
export type ColumnProfileSpec = z.infer<typeof columnProfileSchema>;

export const tableLabelSchema = z
  .object({
    name: z.string(),
    task: z.enum(['classification', 'regression']),
    reason: z.string().describe('why this task, in words'),
  })
  .meta({ id: 'TableLabel' });

export const droppedRowsSchema = z
  .object({
    reason: z.string().describe('for example "the label Miles_per_Gallon is missing"'),
    count: count,
    rows: z.array(z.number().int()).describe('the first 20 row numbers, counted from 1'),
  })
  .meta({ id: 'DroppedRows' });
export type DroppedRowsSpec = z.infer<typeof droppedRowsSchema>;
