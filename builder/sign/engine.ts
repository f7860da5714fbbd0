/**
 * The signing engines: osslsigncode (a Debian package; also built for Windows) with a
 * certificate and key (PEM, or a PFX/PKCS#12 file), or an external signer command for keys
 * held in an HSM or a cloud key vault. Each writes a signed copy of `input` to `output`; the
 * caller checks the result (check.ts) and renames it into place, so a failed signing never
 * leaves a half-signed file.
 */
import { spawn } from "node:child_process";
import { copyFile, rm } from "node:fs/promises";
import { InputError } from "../util/errors.js";
import {
  OSSLSIGNCODE_PACKAGE,
  TIMESTAMP_ATTEMPTS,
  TIMESTAMP_RETRY_MS,
  TOOL_OUTPUT_LIMIT,
} from "./constants.js";

/** Who signs: a certificate and key for osslsigncode, or an external command. */
export type Signer =
  | {
      readonly kind: "osslsigncode";
      /** PEM or DER certificate (chain), or a PFX/PKCS#12 file holding certificate and key. */
      readonly cert: string;
      /** The private key (PEM or DER); absent when `cert` is a PFX. */
      readonly key?: string;
      readonly password?: string;
      /** osslsigncode executable (default: from PATH). */
      readonly tool?: string;
    }
  | {
      readonly kind: "command";
      /**
       * argv of the signer; "{in}" and "{out}" are replaced by the unsigned file and the path
       * to write the signed one to (both appended when no placeholder appears); "{file}" by
       * a copy of the unsigned file that the signer signs in place.
       */
      readonly command: readonly string[];
    };

export interface SigningOptions {
  readonly signer: Signer;
  /** A SHA-1 signature with a nested SHA-256 one (for Windows before 7 SP1 / KB3033929). */
  readonly nest?: boolean;
  /** Description Windows shows (osslsigncode -n). */
  readonly description?: string;
  /** RFC 3161 time-stamp authority; none by default (offline, reproducible builds). */
  readonly timestampUrl?: string;
  /** Signing time, Unix seconds (SOURCE_DATE_EPOCH): with no timestamp, signatures repeat. */
  readonly time?: number;
}

export interface ToolRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run a program (no shell); `stdin` is written to it. ENOENT is thrown as it comes. */
export function runTool(cmd: string, args: readonly string[], stdin?: string): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], windowsHide: true });
    let stdout = "";
    let stderr = "";
    const keep = (s: string, d: Buffer) =>
      s.length < TOOL_OUTPUT_LIMIT ? s + d.toString("utf8") : s;
    child.stdout.on("data", (d: Buffer) => {
      stdout = keep(stdout, d);
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr = keep(stderr, d);
    });
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }),
    );
    child.stdin.on("error", () => {});
    child.stdin.end(stdin ?? "");
  });
}

/** The last meaningful line a tool printed, for a one-line message. */
export function lastLine(r: ToolRun): string {
  const lines = `${r.stderr}\n${r.stdout}`
    .split("\n")
    .map((s) => s.trim())
    .filter((s) => s && !/^(Failed|Succeeded)$/.test(s) && !/^[0-9A-F]{8,}:error:/i.test(s));
  const openssl = `${r.stderr}\n${r.stdout}`.match(/error:[0-9A-F]+:[^:]*:[^:]*:([^\n]+)/i);
  return [lines.pop(), openssl ? `(${openssl[1]!.trim()})` : ""].filter(Boolean).join(" ");
}

function notFound(tool: string): InputError {
  const where =
    process.platform === "win32"
      ? "install osslsigncode for Windows (signtool is not supported yet)"
      : `install the Debian package ${OSSLSIGNCODE_PACKAGE}`;
  return new InputError(`cannot sign: \`${tool}\` not found (${where})`);
}

async function osslsigncode(
  signer: Extract<Signer, { kind: "osslsigncode" }>,
  args: readonly string[],
  label: string,
): Promise<ToolRun> {
  const tool = signer.tool ?? "osslsigncode";
  try {
    return await runTool(tool, args, signer.password);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw notFound(tool);
    throw new InputError(`${label}: cannot run ${tool}: ${(err as Error).message}`);
  }
}

const isPfx = (path: string) => /\.(pfx|p12)$/i.test(path);

/** osslsigncode's identity arguments; the password, if any, goes through stdin. */
function identityArgs(signer: Extract<Signer, { kind: "osslsigncode" }>): string[] {
  const args =
    isPfx(signer.cert) && signer.key === undefined
      ? ["-pkcs12", signer.cert]
      : ["-certs", signer.cert, "-key", signer.key ?? signer.cert];
  // -readpass - reads the password from stdin: never on a command line others can read.
  if (signer.password !== undefined) args.push("-readpass", "-");
  return args;
}

async function signWithOsslsigncode(
  input: string,
  output: string,
  opts: SigningOptions & { signer: Extract<Signer, { kind: "osslsigncode" }> },
  label: string,
): Promise<void> {
  const common = [
    ...identityArgs(opts.signer),
    ...(opts.description ? ["-n", opts.description] : []),
    ...(opts.time !== undefined ? ["-time", String(opts.time)] : []),
  ];
  const passes: { hash: string; nest: boolean }[] = opts.nest
    ? [
        { hash: "sha1", nest: false },
        { hash: "sha256", nest: true },
      ]
    : [{ hash: "sha256", nest: false }];
  let from = input;
  const temps: string[] = [];
  try {
    for (const [i, pass] of passes.entries()) {
      const last = i === passes.length - 1 && !opts.timestampUrl;
      const to = last ? output : `${output}.pass${i}`;
      if (!last) temps.push(to);
      const args = ["sign", ...common, "-h", pass.hash, ...(pass.nest ? ["-nest"] : [])];
      const r = await osslsigncode(opts.signer, [...args, "-in", from, "-out", to], label);
      if (r.code !== 0) {
        const hint =
          opts.signer.password !== undefined && /read key/i.test(`${r.stdout}${r.stderr}`)
            ? " (is the password right?)"
            : "";
        throw new InputError(`${label}: osslsigncode could not sign it: ${lastLine(r)}${hint}`);
      }
      from = to;
    }
    if (opts.timestampUrl) await addTimestamp(from, output, opts.signer, opts.timestampUrl, label);
  } finally {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
  }
}

/** `osslsigncode add -ts`: a separate step, so its failures are the server's, retried. */
async function addTimestamp(
  input: string,
  output: string,
  signer: Extract<Signer, { kind: "osslsigncode" }>,
  url: string,
  label: string,
): Promise<void> {
  let last: ToolRun | undefined;
  for (let attempt = 1; attempt <= TIMESTAMP_ATTEMPTS; attempt++) {
    await rm(output, { force: true });
    const r = await osslsigncode(
      { ...signer, password: undefined } as typeof signer,
      ["add", "-ts", url, "-in", input, "-out", output],
      label,
    );
    if (r.code === 0) return;
    last = r;
    if (attempt < TIMESTAMP_ATTEMPTS)
      await new Promise((res) => setTimeout(res, TIMESTAMP_RETRY_MS));
  }
  await rm(output, { force: true });
  throw new InputError(
    `${label}: the time-stamp authority ${url} failed ${TIMESTAMP_ATTEMPTS} times: ${last ? lastLine(last) : "no answer"}`,
  );
}

async function signWithCommand(
  input: string,
  output: string,
  command: readonly string[],
  label: string,
) {
  const [cmd, ...rest] = command;
  if (!cmd) throw new InputError("signing command: empty");
  const uses = rest.some((a) => /\{(in|out|file)\}/.test(a));
  // In place: the signer gets its own copy (the unsigned file stays for the check).
  if (rest.some((a) => a.includes("{file}"))) await copyFile(input, output);
  const args = uses
    ? rest.map((a) =>
        a.replaceAll("{in}", input).replaceAll("{out}", output).replaceAll("{file}", output),
      )
    : [...rest, input, output];
  let r: ToolRun;
  try {
    r = await runTool(cmd, args);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(
      `${label}: signing command ${cmd} cannot run: ${code ?? (err as Error).message}`,
    );
  }
  if (r.code !== 0) {
    throw new InputError(
      `${label}: signing command ${cmd} failed (exit ${r.code}): ${lastLine(r) || "no output"}`,
    );
  }
}

/** Write a signed copy of `input` to `output` (which must not be `input`). */
export async function signTo(input: string, output: string, opts: SigningOptions, label: string) {
  const s = opts.signer;
  if (s.kind === "command") await signWithCommand(input, output, s.command, label);
  else await signWithOsslsigncode(input, output, { ...opts, signer: s }, label);
}
