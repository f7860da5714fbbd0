/**
 * The cab library's one error class. `kind` keeps the two causes apart:
 *   invalid-input  the caller asked for something impossible (a bad name, a limit exceeded)
 *   invalid-data   the bytes are wrong (a cabinet that does not parse, a source that changed)
 * The CLI maps every CabError to exit 2 (it matches on `name`, so this library imports
 * nothing from the rest of cabwright).
 */

export type CabErrorKind = "invalid-data" | "invalid-input";

export interface CabErrorWhere {
  /** The file (a cabinet, or an input file's name) the error is about. */
  readonly file?: string;
  /** A byte offset in that file, when known. */
  readonly offset?: number;
}

export class CabError extends Error {
  readonly kind: CabErrorKind;
  readonly file: string | undefined;
  readonly offset: number | undefined;
  constructor(kind: CabErrorKind, message: string, where: CabErrorWhere = {}) {
    super(message);
    this.name = "CabError";
    this.kind = kind;
    this.file = where.file;
    this.offset = where.offset;
  }
}

/** The caller is wrong: the message says what, and the limit or value expected. */
export function invalidInput(message: string, where: CabErrorWhere = {}): CabError {
  return new CabError("invalid-input", message, where);
}

/** The data is wrong: the message says where. */
export function invalidData(message: string, where: CabErrorWhere = {}): CabError {
  return new CabError("invalid-data", message, where);
}
