import { Platform } from "../manifest/types.js";
import { Machine } from "./constants.js";

/** The KB table's platform for a PE machine field (anything else: Not Applicable). */
export function platformOfMachine(machine: number): Platform {
  switch (machine) {
    case Machine.i386:
      return Platform.x86;
    case Machine.amd64:
      return Platform.x64;
    case Machine.arm64:
      return Platform.arm64;
    default:
      return Platform.notApplicable;
  }
}
