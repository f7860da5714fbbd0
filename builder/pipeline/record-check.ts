/**
 * Reading a build record back (NAME.build.json): its shape checked field by field, so a
 * hand-edited, truncated or foreign JSON file fails with one clear line naming the field,
 * instead of failing later wherever a field is first used. verify/table, report and diff
 * all read records through here.
 */
import { readFile } from "node:fs/promises";
import { type InstallPlan, PLAN_FORMAT } from "../install/plan.js";
import { decodePlan, encodePlan } from "../install/plan-codec.js";
import { PLATFORMS, type Platform } from "../manifest/types.js";
import { InputError } from "../util/errors.js";
import { BUILD_RECORD_SCHEMA, type BuildRecord } from "./record.js";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const SHA256 = /^[0-9a-f]{64}$/;

/** Whether parsed JSON claims to be a build record (any version of the schema). */
export function looksLikeBuildRecord(value: unknown): boolean {
  return (
    isObject(value) &&
    typeof value.schema === "string" &&
    value.schema.startsWith("cabwright.build-record/")
  );
}

/** Check parsed JSON against the BuildRecord shape; `label` names the file in messages. */
export function checkBuildRecord(label: string, value: unknown): BuildRecord {
  const fail = (where: string, expected: string): never => {
    throw new InputError(`${label}: ${where}: expected ${expected}`);
  };
  const obj = (v: unknown, where: string): Json => (isObject(v) ? v : fail(where, "an object"));
  const str = (o: Json, key: string, where: string): string =>
    typeof o[key] === "string" ? (o[key] as string) : fail(`${where}.${key}`, "a string");
  const size = (o: Json, where: string): number =>
    typeof o.size === "number" && Number.isSafeInteger(o.size) && o.size >= 0
      ? o.size
      : fail(`${where}.size`, "a byte count");
  const digests = (o: Json, where: string) => {
    size(o, where);
    if (typeof o.sha256 !== "string" || !SHA256.test(o.sha256)) {
      fail(`${where}.sha256`, "64 hex digits");
    }
  };

  const record = obj(value, "top level");
  if (record.schema !== BUILD_RECORD_SCHEMA) {
    fail("schema", `"${BUILD_RECORD_SCHEMA}", found ${JSON.stringify(record.schema)}`);
  }
  const tool = obj(record.tool, "tool");
  str(tool, "version", "tool");
  obj(tool.compressor, "tool.compressor");
  str(obj(record.manifest, "manifest"), "path", "manifest");
  const signature = (s: Json, where: string) => {
    const algorithms = s.algorithms;
    if (!Array.isArray(algorithms) || !algorithms.every((a) => typeof a === "string")) {
      fail(`${where}.algorithms`, "an array of digest names");
    }
    str(s, "signer", where);
    if (typeof s.timestamped !== "boolean") fail(`${where}.timestamped`, "true or false");
  };
  const pkg = obj(record.package, "package");
  for (const key of ["name", "title", "product", "version", "company", "copyright", "platform"]) {
    str(pkg, key, "package");
  }
  const isText = (v: unknown) => typeof v === "string";
  const optional = (key: string, ok: (v: unknown) => boolean, expected: string) => {
    if (pkg[key] !== undefined && !ok(pkg[key])) fail(`package.${key}`, expected);
  };
  optional("kb", isText, "a string of digits");
  optional("restart", isText, "a string");
  optional(
    "prerequisite",
    (p) =>
      isObject(p) &&
      isText(p.product) &&
      isText(p.range) &&
      (p.description === undefined || isText(p.description)),
    "an object with product and range",
  );
  optional(
    "entry",
    (e) => isObject(e) && isText(e.command) && Array.isArray(e.args) && e.args.every(isText),
    "an object with command and args",
  );
  if (!Array.isArray(record.files)) fail("files", "an array");
  (record.files as unknown[]).forEach((v, i) => {
    const at = `files[${i}]`;
    const f = obj(v, at);
    for (const key of ["name", "path", "version", "date", "time", "source"]) str(f, key, at);
    size(f, at);
    if (!PLATFORMS.includes(f.platform as Platform)) {
      fail(`${at}.platform`, `one of ${PLATFORMS.join(", ")}`);
    }
    if (typeof f.stamp !== "boolean") fail(`${at}.stamp`, "true or false");
    if (typeof f.signed !== "boolean") fail(`${at}.signed`, "true or false");
    digests(obj(f.before, `${at}.before`), `${at}.before`);
    digests(obj(f.after, `${at}.after`), `${at}.after`);
    for (const key of ["neutralSha256", "authenticodeSha256"]) {
      if (f[key] !== undefined && (typeof f[key] !== "string" || !SHA256.test(f[key] as string))) {
        fail(`${at}.${key}`, "64 hex digits");
      }
    }
    if (f.signature !== undefined)
      signature(obj(f.signature, `${at}.signature`), `${at}.signature`);
  });
  const cabinet = obj(record.cabinet, "cabinet");
  digests(cabinet, "cabinet");
  str(cabinet, "name", "cabinet");
  const exe = obj(record.executable, "executable");
  digests(exe, "executable");
  str(exe, "name", "executable");
  if (exe.signature !== undefined)
    signature(obj(exe.signature, "executable.signature"), "executable.signature");
  if (record.install !== undefined) {
    const install = obj(record.install, "install");
    if (typeof install.sha256 !== "string" || !SHA256.test(install.sha256)) {
      fail("install.sha256", "64 hex digits");
    }
    str(install, "summary", "install");
    const plan = obj(install.plan, "install.plan");
    if (plan.format !== PLAN_FORMAT) {
      fail("install.plan.format", `"${PLAN_FORMAT}", found ${JSON.stringify(plan.format)}`);
    }
    // The plan reader's own checks (every field's type and limit): the plan must be one a
    // package could carry, read back as it would be.
    try {
      decodePlan(encodePlan(plan as unknown as InstallPlan));
    } catch (err) {
      fail("install.plan", `a plan a package can carry (${(err as Error).message})`);
    }
  }
  return value as BuildRecord;
}

/** Read and check NAME.build.json. */
export async function readBuildRecord(path: string): Promise<BuildRecord> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new InputError(
      `${path}: cannot read the build record (${(err as NodeJS.ErrnoException).code ?? err})`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${path}: not JSON (${(err as Error).message})`);
  }
  return checkBuildRecord(path, value);
}
