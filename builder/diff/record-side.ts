/**
 * A build record (NAME.build.json) as a diff side; build/record-check.ts checks its shape
 * field by field, so a hand-edited or foreign JSON file fails with one clear line.
 */
import { checkBuildRecord } from "../pipeline/record-check.js";
import { packageInfoFacts } from "./package-facts.js";
import { normaliseTime } from "./time.js";
import { type DiffSide, type FileFacts, SideKind } from "./types.js";

/** A checked build record as a diff side. */
export function buildRecordSide(label: string, value: unknown): DiffSide {
  const record = checkBuildRecord(label, value);
  const files = record.files.map(
    (f): FileFacts => ({
      path: f.path,
      name: f.name,
      version: f.version,
      size: f.size,
      date: f.date,
      time: normaliseTime(f.time),
      platform: f.platform,
      sha256: f.after.sha256,
      ...(f.neutralSha256 !== undefined ? { neutralSha256: f.neutralSha256 } : {}),
      signed: f.signed,
      ...(f.signature ? { signer: f.signature.signer } : {}),
    }),
  );
  return {
    kind: SideKind.buildRecord,
    label,
    packageVersion: record.package.version,
    package: packageInfoFacts(record.package),
    files,
    installPlan: record.install?.plan ?? null,
  };
}
