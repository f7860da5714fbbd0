/**
 * The install plan a package carries (package header version 2): read back for verify,
 * diff and table, checked by its own CRC-32 and decoded with the one plan reader.
 */
import { crc32 } from "node:zlib";
import type { InstallPlan } from "../install/plan.js";
import { decodePlan } from "../install/plan-codec.js";
import { InputError } from "../util/errors.js";
import { type ByteSource, bytesSource, withFileSource } from "./bytes.js";
import { locateCabinet } from "./locate.js";

/**
 * The plan in a cabwright package (a path or its bytes), or undefined when the package has
 * none (an entry command or extract only). InputError when the plan block is damaged.
 */
export function readPackagePlan(exe: Uint8Array | string): InstallPlan | undefined {
  const located = locateCabinet(exe);
  const plan = located.header?.plan;
  if (!located.header || !plan) return undefined;
  const at = located.header.offset + plan.offset;
  const read = (src: ByteSource) => src.read(at, plan.size);
  const bytes = typeof exe === "string" ? withFileSource(exe, read) : read(bytesSource(exe));
  const name = typeof exe === "string" ? exe : "(bytes)";
  if (bytes.length !== plan.size) {
    throw new InputError(`${name}: byte ${at}: the install plan is cut short`);
  }
  if (crc32(bytes) >>> 0 !== plan.crc) {
    throw new InputError(`${name}: byte ${at}: the install plan's CRC-32 does not match`);
  }
  try {
    return decodePlan(bytes);
  } catch (err) {
    if (err instanceof InputError) {
      // Plan offsets become file offsets, so the message points into the package.
      throw new InputError(
        `${name}: ${err.message.replace(/^install plan byte (\d+)/, (_m, n) => `byte ${at + Number(n)} (install plan byte ${n})`)}`,
      );
    }
    throw err;
  }
}
