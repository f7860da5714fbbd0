/**
 * The build's signing stage: the stamped PE files the manifest marks (sign, default: every
 * stamped file) after stamping and before the cabinet, then the package executable as the
 * last step before verify. Each file is signed into a new file, checked (check.ts), then
 * renamed over the staged one: the staging folder never holds a half-signed file, and a
 * failure is one InputError naming the file.
 */
import { createHash } from "node:crypto";
import { access, constants, readFile, rename, rm, utimes } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { FilePosition } from "../collect/plan.js";
import { fileLabel, sizeProblem } from "../collect/plan.js";
import type { LoadedManifest } from "../manifest/load.js";
import type { ManifestFile, SigningSection } from "../manifest/types.js";
import { authenticodeDigest } from "../pe/authenticode.js";
import type { StagedFile } from "../pipeline/stage-files.js";
import { InputError } from "../util/errors.js";
import { checkSigned, type SignatureFacts } from "./check.js";
import { type Signer, type SigningOptions, signTo } from "./engine.js";

/** What `build` is asked to sign with (the CLI's options; paths relative to the cwd). */
export type SigningRequest = SigningSection;

/** A resolved signing configuration: who signs, how, and at what time. */
export interface SigningPlan extends SigningOptions {
  /** The clock certificates are checked against. */
  readonly now: Date;
}

/** Whether a manifest file is signed by a signing build. */
export function signsFile(f: ManifestFile): boolean {
  return f.stamp && (f.sign ?? true);
}

async function readable(path: string, what: string): Promise<string> {
  try {
    await access(path, constants.R_OK);
  } catch (err) {
    throw new InputError(
      `${what} ${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? err}`,
    );
  }
  return path;
}

/**
 * The signing plan from the command line and the manifest's signing section (the command
 * line's identity wins; other settings fall back to the manifest's); undefined when
 * neither asks to sign. The password is read from the environment variable named.
 */
export async function signingPlan(
  cli: SigningRequest | undefined,
  loaded: LoadedManifest,
  sourceDateEpoch: number | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SigningPlan | undefined> {
  const m = loaded.manifest.signing;
  const fromCli = cli !== undefined && (cli.cert !== undefined || cli.command !== undefined);
  if (!fromCli && !m) {
    if (cli && Object.keys(cli).length > 0) {
      throw new InputError(
        "--sign-nest, --timestamp-url and --sign-pass-env need --sign-cert, --sign-command or a signing section in the manifest",
      );
    }
    return undefined;
  }
  const base = fromCli ? process.cwd() : dirname(loaded.file);
  const id = fromCli ? cli : m!;
  const where = fromCli ? "--sign" : `${loaded.file}: signing`;
  const passwordEnv = cli?.passwordEnv ?? id.passwordEnv;
  const password = passwordEnv !== undefined ? env[passwordEnv] : undefined;
  if (passwordEnv !== undefined && password === undefined) {
    throw new InputError(
      `${cli?.passwordEnv ? "--sign-pass-env" : `${where}.passwordEnv`} ${passwordEnv}: the variable is not set`,
    );
  }
  let signer: Signer;
  if (id.command) signer = { kind: "command", command: id.command };
  else if (id.cert) {
    const cert = await readable(resolve(base, id.cert), fromCli ? "--sign-cert" : `${where}.cert`);
    const key = id.key
      ? await readable(resolve(base, id.key), fromCli ? "--sign-key" : `${where}.key`)
      : undefined;
    if (!key && !/\.(pfx|p12)$/i.test(cert)) {
      throw new InputError(
        `--sign-cert ${id.cert}: give --sign-key too (only a .pfx/.p12 file holds its own key)`,
      );
    }
    signer = {
      kind: "osslsigncode",
      cert,
      ...(key ? { key } : {}),
      ...(password !== undefined ? { password } : {}),
    };
  } else throw new InputError(`${where}: no cert or command to sign with`);
  const pick = <K extends "nest" | "description" | "timestampUrl">(k: K) => cli?.[k] ?? m?.[k];
  const nest = pick("nest");
  const description = pick("description");
  const timestampUrl = pick("timestampUrl");
  return {
    signer,
    ...(nest ? { nest } : {}),
    ...(description ? { description } : {}),
    ...(timestampUrl ? { timestampUrl } : {}),
    ...(sourceDateEpoch !== undefined ? { time: sourceDateEpoch } : {}),
    now: new Date(),
  };
}

export interface SignedFile {
  readonly size: number;
  readonly sha256: string;
  readonly authenticodeSha256: string;
  readonly signature: SignatureFacts;
}

/** Sign `path` in place (through a checked temporary copy); the file is untouched on failure. */
export async function signInPlace(
  path: string,
  plan: SigningPlan,
  label: string,
): Promise<SignedFile> {
  const unsigned = await readFile(path);
  if (authenticodeDigest(unsigned, label) === undefined) {
    throw new InputError(`${label}: cannot sign: not a PE file`);
  }
  const out = `${path}.signed`;
  try {
    await signTo(path, out, plan, label);
    let signed: Buffer;
    try {
      signed = await readFile(out);
    } catch {
      throw new InputError(`${label}: the signer wrote no signed file`);
    }
    const checked = checkSigned(unsigned, signed, label, plan.now, plan.nest ?? false);
    if ("problem" in checked)
      throw new InputError(`${label}: signed file refused: ${checked.problem}`);
    await rename(out, path);
    return {
      size: signed.length,
      sha256: createHash("sha256").update(signed).digest("hex"),
      authenticodeSha256: checked.authenticodeSha256,
      signature: checked.facts,
    };
  } finally {
    await rm(out, { force: true });
  }
}

/**
 * Sign the marked payload files; returns them with their shipped digests, signature facts
 * and Authenticode digest. Without a plan, files pass through unchanged.
 */
type SignProgress = {
  begin(stage: "sign", total: number, files: number): void;
  advance(file: string, bytes: number): void;
  end(stage: "sign"): void;
};

/** A staged file after the signing stage: its signature and Authenticode digest added. */
export interface SignedStagedFile extends StagedFile {
  readonly signature?: SignatureFacts;
  readonly authenticodeSha256?: string;
}

export async function signPayload(
  files: readonly StagedFile[],
  plan: SigningPlan | undefined,
  position: FilePosition,
  progress: SignProgress,
): Promise<SignedStagedFile[]> {
  const withDigest = (f: StagedFile): SignedStagedFile => f;
  if (!plan) return files.map(withDigest);
  const chosen = files.filter((f) => signsFile(f.file));
  progress.begin(
    "sign",
    chosen.reduce((n, f) => n + f.after.size, 0),
    chosen.length,
  );
  const out: SignedStagedFile[] = [];
  const problems: string[] = [];
  for (const f of files) {
    if (!signsFile(f.file)) {
      out.push(f);
      continue;
    }
    const s = await signInPlace(f.staged, plan, fileLabel(position, f.index, f.file, "sign"));
    await utimes(f.staged, f.date, f.date);
    const p = sizeProblem(
      fileLabel(position, f.index, f.file, "size"),
      f.file.size,
      s.size,
      "signed",
    );
    if (p) problems.push(p);
    out.push({
      ...f,
      after: { size: s.size, sha256: s.sha256 },
      shipped: { ...f.shipped, size: s.size, signed: true },
      signature: s.signature,
      authenticodeSha256: s.authenticodeSha256,
    });
    progress.advance(f.file.path, f.after.size);
  }
  progress.end("sign");
  if (problems.length > 0) throw new InputError(problems[0]!, problems.slice(1));
  return out;
}

/** Sign the package executable (the last step before verify). */
export async function signPackage(
  exe: { readonly path: string },
  name: string,
  plan: SigningPlan | undefined,
  progress: SignProgress,
): Promise<SignedFile | undefined> {
  if (!plan) return undefined;
  progress.begin("sign", 0, 1);
  const s = await signInPlace(exe.path, plan, name);
  progress.advance(name, s.size);
  progress.end("sign");
  return s;
}
