/**
 * Loading either side of a diff: a manifest, a package (.exe or .cab) or a build record,
 * told apart by their first bytes and, for text, by extension and content.
 */
import { type open, readFile } from "node:fs/promises";
import { extname } from "node:path";
import { compilePlan } from "../install/compile.js";
import { type LoadedManifest, loadManifest } from "../manifest/load.js";
import type { Manifest } from "../manifest/types.js";
import { looksLikeBuildRecord } from "../pipeline/record-check.js";
import { InputError } from "../util/errors.js";
import { openInputFile } from "../util/fs.js";
import { loadPackageSide } from "./cab-package.js";
import { packageInfoFacts } from "./package-facts.js";
import { buildRecordSide } from "./record-side.js";
import { normaliseTime } from "./time.js";
import { type DiffSide, SideKind } from "./types.js";

const MSCF = Buffer.from("MSCF");
const MZ = Buffer.from("MZ");

export function manifestSide(
  label: string,
  manifest: Manifest,
  position?: LoadedManifest["position"],
): DiffSide {
  const files = new Map<string, string>();
  if (position) {
    manifest.files.forEach((f, i) => {
      if (!files.has(f.path)) files.set(f.path, position(["files", i]));
    });
  }
  return {
    kind: SideKind.manifest,
    label,
    packageVersion: manifest.package.version,
    package: packageInfoFacts(manifest.package),
    files: manifest.files.map((f) => ({
      path: f.path,
      name: f.name,
      version: f.version,
      ...(f.size !== undefined ? { size: f.size } : {}),
      date: f.date,
      time: normaliseTime(f.time),
      platform: f.platform,
    })),
    installPlan: compilePlan(manifest) ?? null,
    ...(position
      ? {
          positions: {
            files,
            ...(manifest.install.engine ? { plan: position(["install"]) } : {}),
          },
        }
      : {}),
  };
}

async function loadManifestSide(file: string): Promise<DiffSide> {
  const loaded = await loadManifest(file);
  return manifestSide(file, loaded.manifest, loaded.position);
}

async function head(file: string): Promise<Buffer> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await openInputFile(file, "a manifest, a package (.exe, .cab) or a build record");
    const buf = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buf, 0, 4, 0);
    return buf.subarray(0, bytesRead);
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(
      code === "EISDIR"
        ? `${file}: is a folder; expected a manifest, a package (.exe, .cab) or a build record`
        : `${file}: cannot read it (${code ?? String(err)})`,
    );
  } finally {
    await handle?.close();
  }
}

/** Load one side, whatever its kind. */
export async function loadSide(file: string): Promise<DiffSide> {
  const first = await head(file);
  if (first.subarray(0, 4).equals(MSCF)) return loadPackageSide(file, false);
  if (first.subarray(0, 2).equals(MZ)) return loadPackageSide(file, true);
  const ext = extname(file).toLowerCase();
  if (ext === ".yaml" || ext === ".yml") return loadManifestSide(file);
  if (ext === ".json") {
    const text = await readFile(file, "utf8");
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new InputError(`${file}: is not valid JSON (${(err as Error).message})`);
    }
    if (looksLikeBuildRecord(value)) return buildRecordSide(file, value);
    return loadManifestSide(file);
  }
  if (ext === ".exe" || ext === ".cab") {
    throw new InputError(
      `${file}: is not a package: a .cab starts with "MSCF" and an .exe with "MZ"`,
    );
  }
  throw new InputError(
    `${file}: unknown kind; expected a manifest (.yaml, .yml, .json), a package (.exe, .cab) or a build record (.build.json)`,
  );
}
