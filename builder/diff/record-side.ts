/**
 * A build record (NAME.build.json) as a diff side, its shape checked field by field so a
 * hand-edited or foreign JSON file fails with one clear line.
 */
import { BUILD_RECORD_SCHEMA } from "../build/record.js";
import { PLATFORMS, type Platform } from "../manifest/types.js";
import { InputError } from "../util/errors.js";
import { normaliseTime } from "./time.js";
import { type DiffSide, type FileFacts, SideKind } from "./types.js";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Whether parsed JSON claims to be a build record (any version of the schema). */
export function looksLikeBuildRecord(value: unknown): boolean {
  return (
    isObject(value) &&
    typeof value.schema === "string" &&
    value.schema.startsWith("cabwright.build-record/")
  );
}

export function buildRecordSide(label: string, value: unknown): DiffSide {
  const fail = (where: string, expected: string): never => {
    throw new InputError(`${label}: ${where}: expected ${expected}`);
  };
  if (!isObject(value)) return fail("top level", "a JSON object (a build record)");
  if (value.schema !== BUILD_RECORD_SCHEMA) {
    fail("schema", `"${BUILD_RECORD_SCHEMA}", found ${JSON.stringify(value.schema)}`);
  }
  const pkg = value.package;
  const packageVersion =
    isObject(pkg) && typeof pkg.version === "string"
      ? pkg.version
      : fail("package.version", "a string");
  if (!Array.isArray(value.files)) return fail("files", "an array");
  const files = value.files.map((f: unknown, i): FileFacts => {
    const at = `files[${i}]`;
    if (!isObject(f)) return fail(at, "an object");
    const str = (key: string): string =>
      typeof f[key] === "string" ? (f[key] as string) : fail(`${at}.${key}`, "a string");
    const size =
      typeof f.size === "number" && Number.isInteger(f.size) && f.size >= 0
        ? f.size
        : fail(`${at}.size`, "a byte count");
    const platform = str("platform") as Platform;
    if (!PLATFORMS.includes(platform)) fail(`${at}.platform`, `one of ${PLATFORMS.join(", ")}`);
    const after = isObject(f.after) ? f.after : fail(`${at}.after`, "an object");
    const sha256 =
      typeof after.sha256 === "string" && /^[0-9a-f]{64}$/.test(after.sha256)
        ? after.sha256
        : fail(`${at}.after.sha256`, "64 hex digits");
    const neutral = f.neutralSha256;
    if (neutral !== undefined && (typeof neutral !== "string" || !/^[0-9a-f]{64}$/.test(neutral))) {
      fail(`${at}.neutralSha256`, "64 hex digits");
    }
    if (typeof f.signed !== "boolean") fail(`${at}.signed`, "true or false");
    return {
      path: str("path"),
      name: str("name"),
      version: str("version"),
      size,
      date: str("date"),
      time: normaliseTime(str("time")),
      platform,
      sha256,
      ...(typeof neutral === "string" ? { neutralSha256: neutral } : {}),
      signed: f.signed as boolean,
    };
  });
  return { kind: SideKind.buildRecord, label, packageVersion, files };
}
