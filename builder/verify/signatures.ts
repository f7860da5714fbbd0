/**
 * verify's signature check: every Authenticode signature in the package (the executable's
 * own, and those of the PE files inside it) must cover the file's Authenticode digest as we
 * compute it, hold cryptographically, and have nothing after it; where the manifest's
 * signing section requires a signature, one must be there; with a CA file, each signed file
 * must also chain to it (osslsigncode verify -CAfile).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { LoadedManifest } from "../manifest/load.js";
import { type ManifestFile, NOT_APPLICABLE } from "../manifest/types.js";
import { withFileSource } from "../pe/source.js";
import type { CabEntry, Toolkit } from "../pipeline/toolkit.js";
import { signatureProblems } from "../sign/check.js";
import { lastLine, runTool } from "../sign/engine.js";
import { signsFile } from "../sign/stage.js";
import { InputError } from "../util/errors.js";
import type { Mismatch } from "./compare.js";
import { type ReadBack, readPackage } from "./read-package.js";

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

/** A file's bytes, for the checks that need them on disk (osslsigncode): a temporary copy. */
async function onDisk<T>(file: ReadBack & object, name: string, fn: (path: string) => Promise<T>) {
  if ("path" in file) return fn(file.path);
  const dir = await mkdtemp(join(tmpdir(), "cabwright-verify-sig-"));
  try {
    const path = join(dir, basename(name.replace(/\\/g, "/")));
    await writeFile(path, file.bytes);
    return await fn(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function checkOne(
  file: ReadBack,
  name: string,
  required: boolean,
  opts: SignatureCheckOptions,
): Promise<Mismatch[]> {
  // A file on disk (the package, a large PE read back) is read where it lies: its headers
  // and certificate table, the digest hashed in chunks.
  const found = !file
    ? undefined
    : "bytes" in file
      ? signatureProblems(file.bytes, name)
      : await withFileSource(file.path, (src) => signatureProblems(src, name));
  if (!found || !file) {
    return required
      ? [{ path: name, field: "signature", expected: "signed", found: "unsigned" }]
      : [];
  }
  const out: Mismatch[] = found.problems.map((p) => ({
    path: name,
    field: "signature",
    expected: "a valid Authenticode signature",
    found: p,
  }));
  const chain =
    out.length === 0 && opts.ca
      ? await onDisk(file, name, (p) => chainProblem(p, opts))
      : undefined;
  if (chain)
    out.push({ path: name, field: "signature", expected: "a trusted signer", found: chain });
  return out;
}

/**
 * The package executable's own signature. `signed`: whether it carries a certificate table
 * (PackageFacts.signed, read from its headers); false spares reading the whole file.
 */
export async function executableSignatureMismatches(
  packagePath: string,
  signed: boolean | undefined,
  loaded: LoadedManifest,
  opts: SignatureCheckOptions = {},
): Promise<Mismatch[]> {
  if (!packagePath.toLowerCase().endsWith(".exe")) return [];
  const file = signed === false ? undefined : { path: packagePath };
  return checkOne(file, basename(packagePath), loaded.manifest.signing !== undefined, opts);
}

/**
 * The signatures of the PE files inside a package, checked on the bytes readPackage holds
 * (pass `examine` and `damaged` to it): the files the manifest lists with a version (data
 * files, maybe gigabytes, are not looked at). On a damaged cabinet none are reported: the
 * file comparison names the damage.
 */
export class FileSignatures {
  private readonly found: Mismatch[] = [];
  private isDamaged = false;
  private readonly byPath: Map<string, ManifestFile>;
  constructor(
    private readonly loaded: LoadedManifest,
    private readonly opts: SignatureCheckOptions = {},
  ) {
    this.byPath = new Map(loaded.manifest.files.map((f) => [f.path.toLowerCase(), f]));
  }
  readonly examine = async (_index: number, entry: CabEntry, file: ReadBack): Promise<void> => {
    const f = this.byPath.get(entry.name.replace(/\\/g, "/").toLowerCase());
    if (!f || (f.version ?? NOT_APPLICABLE) === NOT_APPLICABLE) return;
    const required = this.loaded.manifest.signing !== undefined && signsFile(f);
    this.found.push(...(await checkOne(file, f.path, required, this.opts)));
  };
  readonly damaged = (): void => {
    this.isDamaged = true;
  };
  mismatches(): Mismatch[] {
    return this.isDamaged ? [] : [...this.found];
  }
}

/** Every signature of a package on its own (verify checks them in its one read instead). */
export async function signatureMismatches(
  packagePath: string,
  loaded: LoadedManifest,
  toolkit: Pick<Toolkit, "openPackage" | "inspect" | "inspectBytes">,
  opts: SignatureCheckOptions = {},
): Promise<Mismatch[]> {
  const out = await executableSignatureMismatches(packagePath, undefined, loaded, opts);
  const files = new FileSignatures(loaded, opts);
  await readPackage(packagePath, toolkit, { examine: files.examine, damaged: files.damaged });
  return [...out, ...files.mismatches()];
}
