// What a CSV reader is told (which column is the label, which are targets) and what csv-parse
// hands it per record: shared by the whole-text reader (csv.ts), the streaming one
// (csv-stream.ts) and the row and column readers, so none of them imports another for a type.

export interface CsvOptions {
  /** Column holding the class: non-negative integers are class indices, anything else names. */
  label?: string;
  /** Numeric regression target columns. */
  targets?: string[];
}

export interface CsvRecord {
  record: string[];
  info: { lines: number };
}
