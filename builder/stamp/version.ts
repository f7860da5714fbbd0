import { InputError } from "../util/errors.js";

/** A version as the four 16-bit parts of VS_FIXEDFILEINFO. */
export interface VersionParts {
  readonly text: string;
  readonly ms: number;
  readonly ls: number;
}

/** Parse "a.b.c.d" (1 to 4 parts, each 0..65535); `what` names the option in errors. */
export function parseVersionParts(version: string, what: string): VersionParts {
  const parts = version.split(".");
  const nums = parts.map((p) => (/^\d{1,5}$/.test(p) ? Number(p) : Number.NaN));
  if (parts.length > 4 || nums.some((n) => Number.isNaN(n) || n > 0xffff)) {
    throw new InputError(
      `${what} "${version}": expected 1 to 4 numbers 0-65535 separated by dots (e.g. 10.2.952.0)`,
    );
  }
  while (nums.length < 4) nums.push(0);
  const [a, b, c, d] = nums as [number, number, number, number];
  return { text: nums.join("."), ms: ((a << 16) | b) >>> 0, ls: ((c << 16) | d) >>> 0 };
}
