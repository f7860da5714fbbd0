/**
 * Types of the KB table importer: what a "File information" table read from an
 * article gives, and what the importer had to decide while reading it.
 */
import type { Platform } from "../manifest/types.js";
import type { ArticleFacts } from "./article.js";

/** What a column of a KB file table holds. */
export const ColumnKind = {
  name: "name",
  version: "version",
  size: "size",
  date: "date",
  time: "time",
  platform: "platform",
} as const;
export type ColumnKind = (typeof ColumnKind)[keyof typeof ColumnKind];

/** A column as the table's heading row declares it; `extra` columns are kept as notes. */
export type Column =
  | { readonly kind: ColumnKind; readonly heading: string }
  | { readonly kind: "extra"; readonly heading: string };

/** How the table reached us. */
export const SourceFormat = {
  html: "html",
  markdown: "markdown",
  tabs: "tabs",
  csv: "csv",
  spaces: "spaces",
  flat: "flat",
} as const;
export type SourceFormat = (typeof SourceFormat)[keyof typeof SourceFormat];

/** One row of an imported table. */
export interface ImportedRow {
  readonly name: string;
  /** 4-part version or "Not Applicable". */
  readonly version: string;
  readonly size: number | undefined;
  /** YYYY-MM-DD, or undefined when the table does not say (a date with no year). */
  readonly date: string | undefined;
  /** HH:MM (24-hour) or HH:MM:SS; undefined when the table has no Time column. */
  readonly time: string | undefined;
  /** Undefined when the table has no Platform column. */
  readonly platform: Platform | undefined;
  /** Cells of columns that are not part of the file table (e.g. "SP requirement"). */
  readonly extra: Readonly<Record<string, string>>;
  /** Where the row starts in the input: "line:column". */
  readonly at: string;
  /** Index (0-based) of the table it came from. */
  readonly table: number;
  /** The component its table is listed under ("SQL Server 2016 Writer"), when one is named. */
  readonly component?: string;
}

/** Kinds of decisions the importer reports. */
export const WarningKind = {
  /** Flat text: where one cell ends and the next begins had more than one reading. */
  split: "split",
  /** A date like 4/11/2001 read as month/day (US order). */
  dateOrder: "date-order",
  /** A date with no year ("14-9"). */
  dateYear: "date-year",
  /** A two-digit year (22-Jul-19) read in the window 1980..2079. */
  dateCentury: "date-century",
  /** A size printed rounded to kilobytes ("152 KB"), left out. */
  sizeRounded: "size-rounded",
  /** The table has no Platform column. */
  noPlatform: "no-platform",
  /** A platform label read as another name (Intel -> x86). */
  platformLabel: "platform-label",
  /** A note in the input (`# AMBIGUOUS: ...`) says what the table cannot tell. */
  note: "note",
  /** What the article's text was taken to say (restart, product, KB number, fixes). */
  article: "article",
} as const;
export type WarningKind = (typeof WarningKind)[keyof typeof WarningKind];

export interface ImportWarning {
  readonly kind: WarningKind;
  /** 1-based row number over all imported rows; undefined for a note about the input. */
  readonly row: number | undefined;
  /** "line:column" in the input. */
  readonly at: string;
  readonly message: string;
  /**
   * The decision without what is particular to the row ("two-digit years read as
   * 1980..2079"): warnings of one kind with one decision are one line in a summary.
   */
  readonly decision?: string;
}

export interface ImportedTable {
  readonly format: SourceFormat;
  readonly columns: readonly Column[];
  /** The heading's position, "line:column". */
  readonly at: string;
  /** The nearest caption or heading text above the table, when there is one. */
  readonly caption?: string;
  /**
   * The caption when it names the component the table lists (a heading or a short line
   * such as "SQL Server 2016 Analysis Services"), not a sentence leading into the table.
   */
  readonly component?: string;
  readonly rowCount: number;
}

export interface KbImport {
  /** As given, for messages. */
  readonly file: string;
  readonly rows: readonly ImportedRow[];
  readonly tables: readonly ImportedTable[];
  readonly warnings: readonly ImportWarning[];
  /** The article's title (HTML <title>/<h1>, or the text's first line). */
  readonly title?: string;
  /** A KB article number found in the input (KB1234567, Q293131). */
  readonly kb?: string;
  /** What the article says besides its table, each fact with where it was read. */
  readonly article: ArticleFacts;
  /**
   * What had to be derived from the article's text rather than read (kind `article`: the
   * product as the words its "applies to" entries share, a company from a copyright
   * notice); `warnings` are the table's decisions.
   */
  readonly articleWarnings: readonly ImportWarning[];
}

export interface ImportOptions {
  /** Year for dates printed without one ("14-9"); each such row is still reported. */
  readonly year?: number;
}
