import type { Command } from "commander";
import { inspectFile } from "../../pe/inspect.js";
import type { PeInfo } from "../../pe/types.js";
import { stampFile } from "../../stamp/file.js";
import { signFile } from "../../stamp/sign.js";
import type { StampOptions } from "../../stamp/types.js";
import { exitCodeOf, InputError } from "../../util/errors.js";
import { type CliOutput, type CommonFlags, outputFor } from "../output.js";
import { jsonOption } from "./options.js";
import type { RegisterCommand, SetExitCode } from "./types.js";

const hex = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;

/** The human-readable block `inspect` prints for one file. */
export function formatPeInfo(info: PeInfo): string {
  const lines = [`${info.path ?? "input"}`];
  lines.push(`  size:            ${info.size}`);
  if (!info.isPe) {
    lines.push("  platform:        Not Applicable (not a PE file)");
    return `${lines.join("\n")}\n`;
  }
  lines.push(
    `  platform:        ${info.platform} (machine 0x${(info.machine ?? 0).toString(16)})`,
    `  file version:    ${info.fileVersion}`,
  );
  if (info.productVersion) lines.push(`  product version: ${info.productVersion}`);
  lines.push(`  signed:          ${info.signed ? "yes" : "no"}`);
  if (info.checksum) {
    const { stored, computed } = info.checksum;
    lines.push(
      `  checksum:        ${hex(stored)} ${stored === computed ? "(valid)" : `(should be ${hex(computed)})`}`,
    );
  }
  if (info.timeDateStamp !== undefined) {
    lines.push(
      `  timestamp:       ${new Date(info.timeDateStamp * 1000).toISOString()} (${info.timeDateStamp})`,
    );
  }
  for (const table of info.stringTables ?? []) {
    const id = ((table.lang << 16) | table.codepage) >>> 0;
    lines.push(`  strings ${id.toString(16).padStart(8, "0").toUpperCase()}:`);
    for (const [k, v] of Object.entries(table.strings)) lines.push(`    ${k}: ${v}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Run `fn` for every file; a user error is reported and the next file still runs. */
async function eachFile(
  files: readonly string[],
  setExitCode: SetExitCode,
  out: CliOutput,
  fn: (file: string) => Promise<void>,
): Promise<void> {
  for (const file of files) {
    try {
      await fn(file);
    } catch (err) {
      const code = exitCodeOf(err);
      if (code === undefined) throw err;
      out.error(err);
      setExitCode(code);
    }
  }
}

export const registerInspect: RegisterCommand = (program: Command, setExitCode) => {
  program
    .command("inspect")
    .description("print a file's platform, version, strings, signature and checksum")
    .argument("<file...>", "files to read (PE or not)")
    .addOption(jsonOption("an array, one object per file"))
    .action(async (files: string[], opts: CommonFlags & { json?: boolean }) => {
      const infos: PeInfo[] = [];
      await eachFile(files, setExitCode, outputFor(opts), async (file) => {
        const info = await inspectFile(file);
        if (opts.json) infos.push(info);
        else process.stdout.write(formatPeInfo(info));
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(infos, null, 2)}\n`);
    });
};
/** Parse one --string KEY=VALUE. */
function parseStringOption(value: string, previous: Record<string, string> = {}) {
  const eq = value.indexOf("=");
  if (eq <= 0) {
    throw new InputError(`--string ${value}: expected KEY=VALUE (e.g. CompanyName=Contoso)`);
  }
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export const registerStamp: RegisterCommand = (program: Command, setExitCode) => {
  program
    .command("stamp")
    .description("write a version resource into PE files, in place (atomically)")
    .argument("<file...>", "PE files (EXE or DLL, x86 or x64)")
    .requiredOption("--version <version>", "file version, 4 parts (e.g. 10.2.952.0)")
    .option("--product-version <version>", "product version (default: the file version)")
    .option("--string <key=value>", "a version string; repeatable", parseStringOption)
    .option("--strip-signature", "drop an Authenticode signature instead of refusing the file")
    .option("--sign-cert <file>", "re-sign each stamped file with this certificate (osslsigncode)")
    .option("--sign-key <file>", "private key of --sign-cert")
    .option("--sign-pass-env <var>", "environment variable holding the password of --sign-key")
    .option(
      "--overlay <mode>",
      "data after the image: keep-offset (default) keeps it at its file offset; move lets it follow the image",
    )
    .action(
      async (
        files: string[],
        opts: CommonFlags & {
          version: string;
          productVersion?: string;
          string?: Record<string, string>;
          stripSignature?: boolean;
          overlay?: string;
          signCert?: string;
          signKey?: string;
          signPassEnv?: string;
        },
      ) => {
        const password = opts.signPassEnv ? process.env[opts.signPassEnv] : undefined;
        if (opts.signPassEnv && password === undefined) {
          throw new InputError(`--sign-pass-env ${opts.signPassEnv}: the variable is not set`);
        }
        if ((opts.signCert === undefined) !== (opts.signKey === undefined)) {
          throw new InputError("--sign-cert and --sign-key go together: give both or neither");
        }
        if (
          opts.overlay !== undefined &&
          opts.overlay !== "keep-offset" &&
          opts.overlay !== "move"
        ) {
          throw new InputError(`--overlay ${opts.overlay}: expected keep-offset or move`);
        }
        const stampOpts: StampOptions = {
          fileVersion: opts.version,
          ...(opts.productVersion ? { productVersion: opts.productVersion } : {}),
          ...(opts.string ? { strings: opts.string } : {}),
          ...(opts.stripSignature ? { stripSignature: true } : {}),
          ...(opts.overlay ? { overlay: opts.overlay as "keep-offset" | "move" } : {}),
        };
        const out = outputFor(opts);
        await eachFile(files, setExitCode, out, async (file) => {
          // Stamped and signed in a temporary file, renamed over `file` only when both hold.
          const sign =
            opts.signCert && opts.signKey
              ? (tmp: string) =>
                  signFile(
                    tmp,
                    {
                      cert: opts.signCert!,
                      key: opts.signKey!,
                      ...(password !== undefined ? { password } : {}),
                    },
                    file,
                  )
              : undefined;
          await stampFile(file, stampOpts, undefined, sign);
          out.status(
            `${file}: stamped ${stampOpts.fileVersion}${opts.signCert ? " and signed" : ""}`,
          );
        });
      },
    );
};
