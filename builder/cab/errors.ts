/**
 * The one error class of the cab library. `kind` keeps the two failures apart:
 * "invalid-data" (the cabinet is damaged or hostile) and "invalid-input" (the caller asked
 * for something impossible). Messages name the file, the byte offset and the limit.
 */
export type CabErrorKind = "invalid-data" | "invalid-input";

export class CabError extends Error {
  readonly kind: CabErrorKind;
  /** Byte offset in `file` where the problem is, when there is one. */
  readonly offset: number | undefined;
  readonly file: string | undefined;
  constructor(kind: CabErrorKind, message: string, opts: { offset?: number; file?: string } = {}) {
    super(message);
    this.name = "CabError";
    this.kind = kind;
    this.offset = opts.offset;
    this.file = opts.file;
  }
}
