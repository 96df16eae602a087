/**
 * CSV (RFC 4180) through csv-parse: inventories and exported event logs. Cells are trimmed, blank lines and
 * lines that start with # are skipped, a UTF-8 BOM is dropped, and each record keeps the line it ends on so
 * errors and SARIF locations can name it.
 */
import { parse, CsvError } from 'csv-parse/sync';

export interface CsvRecord {
  cells: string[];
  /** 1-based line of the record in the text. */
  line: number;
}

/** A malformed CSV text: the line and what is wrong, in words. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

const MESSAGES: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted cell is not closed',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'text after a closing quote (a quote inside a cell is written "")',
  CSV_INVALID_OPENING_QUOTE: 'a quote inside an unquoted cell (quote the whole cell and write the quote as "")',
};

/** Every record of `text`; rows may differ in length (callers check the count against their header). */
export function parseCsv(text: string): CsvRecord[] {
  try {
    const rows = parse(text, {
      bom: true,
      info: true,
      trim: true,
      skip_empty_lines: true,
      comment: '#',
      comment_no_infix: true,
      relax_column_count: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
    return rows.map((r) => ({ cells: r.record, line: r.info.lines }));
  } catch (err) {
    if (err instanceof CsvError) {
      const line = (err as CsvError & { lines?: number }).lines;
      throw new CsvSyntaxError(line, MESSAGES[err.code] ?? err.message.replace(/ at line \d+.*$/, ''));
    }
    throw err;
  }
}
