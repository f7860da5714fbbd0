/**
 * verify's signature check: every Authenticode signature in the package (the executable's
 * own, and those of the PE files inside it) must cover the file's Authenticode digest as we
 * compute it, hold cryptographically, and have nothing after it; where the manifest's
 * signing section requires a signature, one must be there; with a CA file, each signed file
 * must also chain to it (osslsigncode verify -CAfile).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { LoadedManifest } from "../manifest/load.js";
import { NOT_APPLICABLE } from "../manifest/types.js";
import type { Toolkit } from "../pipeline/toolkit.js";
import { signatureProblems } from "../sign/check.js";
import { lastLine, runTool } from "../sign/engine.js";
import { signsFile } from "../sign/stage.js";
import { InputError } from "../util/errors.js";
import type { Mismatch } from "./compare.js";

export interface SignatureCheckOptions {
  /** PEM file of the CA certificates signatures must chain to. */
  readonly ca?: string;
  /** osslsigncode executable for the chain check (default: from PATH). */
  readonly osslsigncode?: string;
}

async function chainProblem(
  path: string,
  opts: SignatureCheckOptions,
): Promise<string | undefined> {
  if (!opts.ca) return undefined;
  const tool = opts.osslsigncode ?? "osslsigncode";
  try {
    const r = await runTool(tool, ["verify", "-CAfile", opts.ca, "-in", path]);
    return r.code === 0 ? undefined : `no chain to ${opts.ca}: ${lastLine(r)}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new InputError(`--ca: \`${tool}\` not found (install the Debian package osslsigncode)`);
    }
    throw err;
  }
}

async function checkOne(
  path: string,
  name: string,
  required: boolean,
  opts: SignatureCheckOptions,
): Promise<Mismatch[]> {
  const bytes = await readFile(path);
  const found = signatureProblems(bytes, name);
  if (!found) {
    return required
      ? [{ file: name, field: "signature", expected: "signed", found: "unsigned" }]
      : [];
  }
  const out: Mismatch[] = found.problems.map((p) => ({
    file: name,
    field: "signature",
    expected: "a valid Authenticode signature",
    found: p,
  }));
  const chain = out.length === 0 ? await chainProblem(path, opts) : undefined;
  if (chain)
    out.push({ file: name, field: "signature", expected: "a trusted signer", found: chain });
  return out;
}

export async function signatureMismatches(
  packagePath: string,
  loaded: LoadedManifest,
  toolkit: Pick<Toolkit, "openPackage">,
  opts: SignatureCheckOptions = {},
): Promise<Mismatch[]> {
  const m = loaded.manifest;
  const signing = m.signing !== undefined;
  const out: Mismatch[] = [];
  if (packagePath.toLowerCase().endsWith(".exe")) {
    out.push(...(await checkOne(packagePath, basename(packagePath), signing, opts)));
  }
  // The PE files the manifest lists (data files, maybe gigabytes, are not read again).
  const byPath = new Map(m.files.map((f) => [f.path.toLowerCase(), f]));
  const cab = await toolkit.openPackage(packagePath);
  const tmp = await mkdtemp(join(tmpdir(), "cabwright-verify-sig-"));
  try {
    const file = (i: number) => byPath.get(cab.files[i]!.name.replace(/\\/g, "/").toLowerCase());
    let paths: readonly (string | undefined)[];
    try {
      paths = await cab.extractAll(
        tmp,
        (i) => (file(i)?.version ?? NOT_APPLICABLE) !== NOT_APPLICABLE,
      );
    } catch {
      return out; // damaged data: the file comparison names it
    }
    for (const [i, path] of paths.entries()) {
      const f = file(i);
      if (!path || !f) continue;
      out.push(...(await checkOne(path, f.path, signing && signsFile(f), opts)));
    }
  } finally {
    await cab.close();
    await rm(tmp, { recursive: true, force: true });
  }
  return out;
}
