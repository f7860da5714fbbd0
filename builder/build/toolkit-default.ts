/**
 * The real stages behind the Toolkit interface: pe (inspect, stamp), cab (writer, reader),
 * sfx (stub, assembly, locating the cabinet), diff (the neutral digest), report (the KB
 * article).
 */

import { extractOpened } from "../cab/extract.js";
import { compressionLabel, openCabinet, parseCompression, writeCabinet } from "../cab/index.js";
import { neutralDigest } from "../diff/neutral.js";
import { inspectFile } from "../pe/inspect.js";
import { renderReport } from "../report/article.js";
import { assembleSfx, locateCabinet, stubPath } from "../sfx/index.js";
import { stampFile } from "../stamp/file.js";
import { stampPe } from "../stamp/stamp.js";
import type { OpenedCabinet, Toolkit } from "./toolkit.js";

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
    test: () => cab.test(),
    close: () => cab.close(),
  };
}

export function defaultToolkit(): Toolkit {
  return {
    inspect: (path) => inspectFile(path),
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
      });
    },
  };
}
