/**
 * The build record from what the stages produced. Pure: every value comes from the
 * manifest, the staged files and the output digests (no clock, no temp paths).
 */
import { sep } from "node:path";
import { planDigest, planSummary } from "../install/compare.js";
import type { InstallPlan } from "../install/plan.js";
import type { LoadedManifest } from "../manifest/load.js";
import type { SignedFile, SignedStagedFile } from "../sign/stage.js";
import { toolVersion } from "../util/version.js";
import { fullTime } from "../verify/compare.js";
import {
  BUILD_RECORD_SCHEMA,
  type BuildRecord,
  type BuildRecordFile,
  type Digests,
} from "./record.js";
import type { StagedFile } from "./stage-files.js";

export interface RecordInputs {
  readonly loaded: LoadedManifest;
  readonly files: readonly StagedFile[];
  readonly compressor: { readonly name: string; readonly version: string };
  readonly compression: string;
  readonly cabinet: Digests;
  readonly executable: Digests;
  readonly stubSha256: string;
  readonly sourceDateEpoch: number | undefined;
  /** The install plan the package carries, when it has one. */
  readonly plan?: InstallPlan;
  /** The package executable's signature, when the build signed it. */
  readonly executableSignature?: SignedFile;
}

export function recordFile(s: SignedStagedFile): BuildRecordFile {
  const f = s.file;
  return {
    name: f.name,
    path: f.path,
    version: f.version,
    size: s.after.size,
    date: f.date,
    time: fullTime(f.time),
    platform: f.platform,
    stamp: f.stamp,
    source: s.source,
    before: s.before,
    after: s.after,
    ...(s.neutralSha256 !== undefined ? { neutralSha256: s.neutralSha256 } : {}),
    signed: s.shipped.signed,
    ...(s.authenticodeSha256 !== undefined ? { authenticodeSha256: s.authenticodeSha256 } : {}),
    ...(s.signature ? { signature: s.signature } : {}),
  };
}

export function makeRecord(r: RecordInputs): BuildRecord {
  const pkg = r.loaded.manifest.package;
  return {
    schema: BUILD_RECORD_SCHEMA,
    tool: {
      name: "cabwright",
      version: toolVersion(),
      compressor: r.compressor,
    },
    // "/" on Windows too (which reads it): the record is the same wherever it was built.
    manifest: {
      path: sep === "\\" ? r.loaded.file.replaceAll(sep, "/") : r.loaded.file,
      sha256: r.loaded.digest,
    },
    package: pkg,
    ...(r.sourceDateEpoch !== undefined ? { sourceDateEpoch: r.sourceDateEpoch } : {}),
    files: r.files.map(recordFile),
    cabinet: { name: `${pkg.name}.cab`, compression: r.compression, ...r.cabinet },
    executable: {
      name: `${pkg.name}.exe`,
      ...r.executable,
      stub: { platform: pkg.platform, sha256: r.stubSha256 },
      ...(r.executableSignature
        ? {
            authenticodeSha256: r.executableSignature.authenticodeSha256,
            signature: r.executableSignature.signature,
          }
        : {}),
    },
    ...(r.plan
      ? { install: { sha256: planDigest(r.plan), summary: planSummary(r.plan), plan: r.plan } }
      : {}),
  };
}

/** The record as published: stable key order (insertion order above), 2-space JSON. */
export function recordJson(record: BuildRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}
