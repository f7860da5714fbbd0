/**
 * The real stages behind the Toolkit interface: pe (inspect, stamp), cab (writer, reader),
 * sfx (stub, assembly, locating the cabinet), diff (the neutral digest), report (the KB
 * article).
 */

import {
  compressionLabel,
  extractOpened,
  openCabinet,
  parseCompression,
  writeCabinet,
} from "@cabwright/cab";
import { inspectFile, inspectFileHeaders, readPeInfo } from "../pe/inspect.js";
import { neutralDigest } from "../pe/neutral.js";
import { renderReport } from "../report/article.js";
import {
  assembleSfx,
  locateCabinet,
  PackageDamaged,
  readPackagePayload,
  readPackagePlan,
  stubPath,
} from "../sfx/index.js";
import { stampFile } from "../stamp/file.js";
import { stampPe } from "../stamp/stamp.js";
import { digestFile } from "../util/fs.js";
import { workerStager } from "./stage-pool.js";
import type { OpenedCabinet, PackageFacts, Toolkit } from "./toolkit.js";

async function openPackage(path: string): Promise<OpenedCabinet> {
  // A package executable: the sfx library knows where its cabinet starts.
  const offset = path.toLowerCase().endsWith(".exe") ? locateCabinet(path).offset : 0;
  const cab = await openCabinet(path, { offset });
  return {
    files: cab.files,
    async extractAll(dir, only) {
      const chosen = new Set(cab.files.filter((_, i) => only?.(i) ?? true));
      const report = await extractOpened(cab, dir, {
        setTimes: false,
        filter: (e) => chosen.has(e),
      });
      if (report.failed.length > 0) {
        const f = report.failed[0]!;
        throw new Error(`${path}: cannot extract ${f.name}: ${f.error}`);
      }
      const byName = new Map(report.files.map((f) => [f.name, f.path]));
      return cab.files.map((f) => (chosen.has(f) ? byName.get(f.name) : undefined));
    },
    read: (index) => cab.openFile(cab.files[index]!),
    test: () => cab.test(),
    close: () => cab.close(),
  };
}

async function packageFacts(path: string): Promise<PackageFacts> {
  if (path.toLowerCase().endsWith(".cab")) {
    // A cabinet on its own: the cab reader checks its header; no package header to check.
    const { sha256 } = await digestFile(path);
    return {
      foundBy: "cabinet",
      cabinetOffset: 0,
      cabinetSha256: sha256,
      fileSha256: sha256,
      signed: false,
    };
  }
  try {
    const p = await readPackagePayload(path);
    return {
      foundBy: p.located.foundBy,
      cabinetOffset: p.located.offset,
      ...(p.payloadCrc
        ? { payloadCrc: { expected: p.payloadCrc.expected, actual: p.payloadCrc.actual } }
        : {}),
      cabinetSha256: p.cabinetSha256,
      fileSha256: p.fileSha256,
      signed: p.signed,
    };
  } catch (err) {
    if (err instanceof PackageDamaged) return { damaged: err.message };
    throw err;
  }
}

export function defaultToolkit(): Toolkit {
  return {
    inspect: (path) => inspectFile(path),
    inspectHeaders: (path) => inspectFileHeaders(path),
    stager: () => workerStager(),
    // The facts build and verify use; the checksum pass over the whole file is not one.
    inspectBytes: (bytes, label) => readPeInfo(bytes, label, false),
    stamp: (path, request, outPath) =>
      stampFile(path, { ...request, strings: { ...request.strings } }, outPath),
    stampBytes: async (bytes, request, label) =>
      stampPe(bytes, { ...request, strings: { ...request.strings } }, label),
    async writeCabinet(outPath, files, { compression, level }, onProgress) {
      const parsed = parseCompression(compression, { level });
      const r = await writeCabinet(outPath, files, {
        compression: parsed,
        ...(onProgress ? { onProgress } : {}),
      });
      const label = compressionLabel(parsed);
      return {
        compressor: r.compressor,
        compression: typeof parsed === "object" ? `${label} ${parsed.level}` : label,
      };
    },
    async writeStoredCabinet(outPath, files) {
      await writeCabinet(outPath, files, { compression: "none", threads: 1 });
    },
    openPackage,
    packageFacts,
    neutralDigest: (bytes) => neutralDigest(bytes),
    renderArticle: (record, manifest) => renderReport(record, "html", { manifest }),
    stubPath: (platform) => stubPath(platform as "x86" | "x64"),
    async assembleSfx(opts) {
      await assembleSfx({
        platform: opts.platform as "x86" | "x64",
        cabinetPath: opts.cabinetPath,
        outPath: opts.outPath,
        stubPath: opts.stubPath,
        ...(opts.entry ? { entry: opts.entry } : {}),
        ...(opts.plan ? { plan: opts.plan } : {}),
      });
    },
    // A bare cabinet has no package header, so no plan.
    readPlan: async (path) =>
      path.toLowerCase().endsWith(".exe") ? readPackagePlan(path) : undefined,
  };
}
