/**
 * `cabwright cab <subcommand>`: the cab library's commands. Each subcommand is its own
 * small register function on the shared `cab` command.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { cabInputsFromPaths, writeCabinet } from "../../cab/index.js";
import type { RegisterCommand, SetExitCode } from "./types.js";

export const registerCab: RegisterCommand = (program, setExitCode) => {
  const cab = program
    .command("cab")
    .description("create, list, test and extract Microsoft Cabinet (.cab) files");
  registerCabCreate(cab, setExitCode);
};

interface CreateOptions {
  directory: string;
  compression: "none" | "mszip";
  maxSize?: number;
}

export function registerCabCreate(cab: Command, _setExitCode: SetExitCode): void {
  cab
    .command("create")
    .description("write PATHs (files, or folders added recursively in sorted order) into a cabinet")
    .argument("<out>", "cabinet to write (a set is OUT.cab, OUT2.cab, OUT3.cab...)")
    .argument("<paths...>", "files or folders, stored relative to -C DIR in the order given")
    .option("-C, --directory <dir>", "folder the PATHs are relative to", ".")
    .addOption(
      new Option("--compression <type>", "compression of the data")
        .choices(["none", "mszip"])
        .default("mszip"),
    )
    .option(
      "--max-size <bytes>",
      "split into a cabinet set when a cabinet would exceed BYTES (suffix K, M or G: KiB, MiB, GiB)",
      parseBytes,
    )
    .action(async (out: string, paths: string[], opts: CreateOptions) => {
      const files = await cabInputsFromPaths(opts.directory, paths);
      const result = await writeCabinet(out, files, {
        compression: opts.compression,
        ...(opts.maxSize !== undefined ? { maxCabinetSize: opts.maxSize } : {}),
      });
      for (const c of result.cabinets) process.stdout.write(`${c.path}: ${c.size} bytes\n`);
      process.stdout.write(
        `${result.fileCount} files, ${result.folderCount} folders, ${result.uncompressedBytes} bytes in, ${result.cabinets.length} cabinet(s)\n`,
      );
    });
}

const UNITS: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

export function parseBytes(value: string): number {
  const m = /^(\d+)([KMG]?)(i?B)?$/i.exec(value.trim());
  const n = m ? Number(m[1]) * UNITS[m[2]!.toUpperCase()]! : Number.NaN;
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError(
      `expected a positive byte count like 1048576 or 100M, got "${value}"`,
    );
  }
  return n;
}
