import { InputError } from "../util/errors.js";
import type { DiffSide } from "./types.js";

export async function loadPackageSide(file: string): Promise<DiffSide> {
  throw new InputError(`${file}: reading packages needs the cabinet reader`);
}
