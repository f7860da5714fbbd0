/**
 * Re-signing after stamping, with osslsigncode and a configured certificate: Authenticode
 * over the stamped file, written atomically. osslsigncode computes the digest over the file
 * as we wrote it (checksum, certificate directory and table excluded, as the format says) and
 * stores the CheckSum again once the certificate table is appended.
 */
import { execFile } from "node:child_process";
import { chmod, rename, rm, stat, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import { InputError } from "../util/errors.js";
import { tempPathFor } from "../util/fs.js";

const execFileP = promisify(execFile);

export interface SigningConfig {
  /** Signing certificate (PEM or DER; a chain file works). */
  readonly cert: string;
  /** Private key of the certificate. */
  readonly key: string;
  /** Password of the key, if it has one. */
  readonly password?: string;
  /** Description shown by Windows (osslsigncode -n). */
  readonly description?: string;
  /** RFC 3161 time-stamp authority URL (osslsigncode -ts); none by default (offline builds). */
  readonly timestampUrl?: string;
  /** osslsigncode executable (default: from PATH). */
  readonly osslsigncode?: string;
}

/** Sign `path` in place with osslsigncode (SHA-256). */
export async function signFile(path: string, config: SigningConfig): Promise<void> {
  const tool = config.osslsigncode ?? "osslsigncode";
  const tmp = tempPathFor(path);
  const args = ["sign", "-h", "sha256", "-certs", config.cert, "-key", config.key];
  // The password goes through a private file, never on a command line others can read.
  const passFile = config.password !== undefined ? `${tmp}.pass` : undefined;
  if (passFile) {
    await writeFile(passFile, config.password!, { mode: 0o600 });
    args.push("-readpass", passFile);
  }
  if (config.description) args.push("-n", config.description);
  if (config.timestampUrl) args.push("-ts", config.timestampUrl);
  args.push("-in", path, "-out", tmp);
  try {
    await execFileP(tool, args, { maxBuffer: 16 << 20 });
    await chmod(tmp, (await stat(path)).mode & 0o7777);
    await rename(tmp, path);
    if (passFile) await rm(passFile, { force: true });
  } catch (err) {
    await rm(tmp, { force: true });
    if (passFile) await rm(passFile, { force: true });
    const e = err as NodeJS.ErrnoException & { stderr?: string; stdout?: string };
    if (e.code === "ENOENT" && !e.stderr) {
      throw new InputError(
        `${path}: cannot sign: \`${tool}\` not found (install the Debian package osslsigncode)`,
      );
    }
    const why = `${e.stderr ?? ""}${e.stdout ?? ""}`.trim().split("\n").filter(Boolean).pop();
    throw new InputError(`${path}: osslsigncode could not sign it: ${why ?? e.message}`);
  }
}
