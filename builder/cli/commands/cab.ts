/**
 * `cabwright cab ...`: the cabinet library's commands. Each subcommand registers itself on
 * the shared `cab` group (created by whichever registers first).
 */

import {
  CabError,
  type CabFileEntry,
  type Cabinet,
  cabInputsFromPaths,
  compressionSpecProblem,
  extractCabinet,
  lzxLevelProblem,
  type OpenOptions,
  openCabinet,
  parseCompression,
  writeCabinet,
} from "@cabwright/cab";
import { type Command, InvalidArgumentError, Option } from "commander";
import { InputError } from "../../util/errors.js";
import { openInputFile } from "../../util/fs.js";
import { type CliOutput, type CommonFlags, outputFor } from "../output.js";
import { CliSchema, jsonText } from "./json.js";
import { jsonOption, outDirOption } from "./options.js";
import type { RegisterCommand } from "./types.js";

/** The `cab` command group, shared by every cab subcommand. */
export function cabGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === "cab") ??
    program.command("cab").description("create, list, test and extract Microsoft Cabinet files")
  );
}

interface ReadFlags extends CommonFlags {
  json?: boolean;
  offset?: string;
  search?: boolean;
  encoding?: string;
}

function withReadOptions(cmd: Command): Command {
  return cmd
    .option(
      "--search",
      "find the cabinet by searching for an MS-CAB header (a package is found without it)",
    )
    .option("--offset <bytes>", "the cabinet starts at this byte offset of the file")
    .option("--encoding <label>", "code page of names without the UTF-8 flag", "windows-1252");
}

/** "MZ": the file is a program, so a package whose cabinet follows (or sits in) its image. */
async function isProgram(file: string): Promise<boolean> {
  let fh: Awaited<ReturnType<typeof openInputFile>>;
  try {
    fh = await openInputFile(file, "a cabinet or a package");
  } catch (err) {
    if (err instanceof InputError) throw err;
    return false; // a missing or unreadable file is worded by the cabinet reader
  }
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head.toString("latin1") === "MZ";
  } finally {
    await fh.close();
  }
}

/**
 * How to open `file`: at --offset, by --search, or (neither given) where the package puts
 * its cabinet when the file is a program, as `table` and `verify` find it (sfx/locate.ts).
 */
async function openOptions(file: string, flags: ReadFlags): Promise<OpenOptions> {
  const opts: OpenOptions = {};
  if (flags.search) opts.search = true;
  if (flags.encoding) opts.encoding = flags.encoding;
  if (flags.offset !== undefined) {
    const n = Number(flags.offset);
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new CabError(
        "invalid-input",
        `--offset: expected a byte offset, got "${flags.offset}"`,
      );
    }
    opts.offset = n;
  } else if (!flags.search && (await isProgram(file))) {
    // Loaded only for a package: a bare cabinet's commands start without the PE reader.
    const { locateCabinet } = await import("../../sfx/locate.js");
    opts.offset = locateCabinet(file).offset;
  }
  return opts;
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/**
 * A name as it may be printed to a terminal: control characters (C0, DEL, C1, which can
 * move the cursor or rewrite the screen), line and paragraph separators and bidirectional
 * overrides shown as \xNN or \u{NNNN} escapes. --json prints the names exactly.
 */
export function printableName(name: string): string {
  return name.replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => {
      const code = c.charCodeAt(0);
      return code <= 0xff
        ? `\\x${code.toString(16).padStart(2, "0")}`
        : `\\u{${code.toString(16)}}`;
    },
  );
}

function formatDate(e: CabFileEntry): string {
  const t = e.datetime;
  return `${t.year}-${pad2(t.month)}-${pad2(t.day)} ${pad2(t.hour)}:${pad2(t.minute)}:${pad2(t.second)}`;
}

function attributeLetters(a: number): string {
  return [
    [0x01, "r"],
    [0x02, "h"],
    [0x04, "s"],
    [0x20, "a"],
    [0x40, "x"],
    [0x80, "u"],
  ]
    .map(([bit, ch]) => (a & (bit as number) ? ch : "-"))
    .join("");
}

function listJson(cab: Cabinet): string {
  return jsonText(CliSchema.cabList, {
    path: cab.path,
    offset: cab.offset,
    cabinets: cab.cabinets.map((c) => ({
      path: c.path,
      offset: c.offset,
      setId: c.header.setId,
      index: c.header.cabinetIndex,
      size: c.header.cabinetSize,
      prevCabinet: c.header.prevCabinet,
      nextCabinet: c.header.nextCabinet,
      reserve: {
        header: c.header.headerReserve.length,
        folder: c.header.folderReserveSize,
        data: c.header.dataReserveSize,
      },
    })),
    folders: cab.folders,
    files: cab.files.map((f) => ({
      name: f.name,
      storedName: f.storedName,
      size: f.size,
      date: f.date,
      time: f.time,
      datetime: f.datetime,
      attributes: f.attributes,
      folderIndex: f.folderIndex,
      offsetInFolder: f.offsetInFolder,
    })),
    warnings: cab.warnings,
  });
}

/** The cabinet's warnings, as the run's problem lines (none with --quiet). */
function warnAll(out: CliOutput, warnings: readonly string[]): void {
  for (const w of warnings) out.warn(printableName(w));
}

export const registerCabList: RegisterCommand = (program) => {
  withReadOptions(
    cabGroup(program)
      .command("list")
      .description("list the files of a cabinet (and the rest of its set)")
      .argument("<cab>", "cabinet file")
      .addOption(jsonOption("every header field, folder and file")),
  ).action(async (file: string, flags: ReadFlags) => {
    const cab = await openCabinet(file, await openOptions(file, flags));
    try {
      if (flags.json) {
        process.stdout.write(listJson(cab));
        return;
      }
      warnAll(outputFor(flags), cab.warnings);
      const lines = cab.files.map(
        (f) =>
          `${String(f.size).padStart(12)}  ${formatDate(f)}  ${attributeLetters(f.attributes)}  ${printableName(f.name)}`,
      );
      const total = cab.files.reduce((n, f) => n + f.size, 0);
      lines.push(
        `${String(total).padStart(12)}  ${cab.files.length} files in ${cab.folders.length} folders`,
      );
      process.stdout.write(`${lines.join("\n")}\n`);
    } finally {
      await cab.close();
    }
  });
};

export const registerCabTest: RegisterCommand = (program) => {
  withReadOptions(
    cabGroup(program)
      .command("test")
      .description("decode every block (checksums, sizes) without writing; exit 2 if damaged")
      .argument("<cab>", "cabinet file")
      .addOption(jsonOption("every file's result and the counts")),
  ).action(async (file: string, flags: ReadFlags) => {
    const cab = await openCabinet(file, await openOptions(file, flags));
    try {
      const report = await cab.test();
      const out = outputFor(flags);
      if (flags.json) {
        process.stdout.write(
          jsonText(CliSchema.cabTest, { path: file, ...report, warnings: cab.warnings }),
        );
      } else {
        warnAll(out, cab.warnings);
        for (const f of report.files) {
          const line = `${f.ok ? "OK  " : "FAIL"}  ${printableName(f.name)}${f.error ? `: ${printableName(f.error)}` : ""}`;
          if (f.ok) out.status(line);
          else process.stdout.write(`${line}\n`);
        }
      }
      if (!report.ok) {
        const more = report.errors.length > 1 ? ` (and ${report.errors.length - 1} more)` : "";
        throw new CabError("invalid-data", `${report.errors[0]}${more}`, { file });
      }
      if (!flags.json) {
        out.status(
          `${file}: ok (${report.files.length} files, ${report.folders} folders, ${report.blocks} blocks, ${report.checksumsVerified} checksums verified)`,
        );
      }
    } finally {
      await cab.close();
    }
  });
};

export const registerCabExtract: RegisterCommand = (program) => {
  withReadOptions(
    cabGroup(program)
      .command("extract")
      .description("extract every file into a folder (names made safe; nothing lands outside it)")
      .argument("<cab>", "cabinet file")
      .addOption(outDirOption("the folder to extract into (default: the current folder)"))
      // The spelling before --out, kept: -C names the folder the paths are in, as in create.
      .addOption(new Option("-C, --directory <dir>").hideHelp().conflicts("out"))
      .addOption(jsonOption("every file extracted, and any not")),
  ).action(async (file: string, flags: ReadFlags & { out?: string; directory?: string }) => {
    const dest = flags.out ?? flags.directory ?? ".";
    const report = await extractCabinet(file, dest, await openOptions(file, flags));
    if (flags.json) {
      process.stdout.write(jsonText(CliSchema.cabExtract, { path: file, ...report }));
    } else {
      const out = outputFor(flags);
      warnAll(out, report.warnings);
      out.status(
        `${file}: extracted ${report.files.length} files (${report.bytes} bytes) to ${report.destDir}`,
      );
    }
    const first = report.failed[0];
    if (first) {
      const more = report.failed.length > 1 ? ` (and ${report.failed.length - 1} more)` : "";
      throw new CabError("invalid-input", `"${first.name}" not extracted: ${first.error}${more}`, {
        file,
      });
    }
  });
};

interface CreateOptions extends CommonFlags {
  json?: boolean;
  directory: string;
  compression: string;
  level?: string;
  e8: boolean;
  maxSize?: number;
}

/** commander parsers that refuse a bad value in one line (exit 2). */
function parseCompressionOption(value: string): string {
  const problem = compressionSpecProblem(value);
  if (problem) throw new InvalidArgumentError(problem);
  return value;
}

function parseLevelOption(value: string): string {
  const problem = lzxLevelProblem(value);
  if (problem) throw new InvalidArgumentError(problem);
  return value;
}

export const registerCabCreate: RegisterCommand = (program) => {
  cabGroup(program)
    .command("create")
    .description("write PATHs (files, or folders added recursively in sorted order) into a cabinet")
    .argument("<out>", "cabinet to write (a set is OUT.cab, OUT2.cab, OUT3.cab...)")
    .argument("<paths...>", "files or folders, stored relative to -C DIR in the order given")
    .option("-C, --directory <dir>", "folder the PATHs are relative to", ".")
    .option(
      "--compression <type>",
      "compression of the data: none, mszip, lzx or lzx:N (window 2^N, N = 15..21; lzx is lzx:21)",
      parseCompressionOption,
      "mszip",
    )
    .option(
      "--level <level>",
      "LZX effort: fast (lazy matching) or best (near-optimal parsing)",
      parseLevelOption,
    )
    .option("--no-e8", "LZX: no x86 CALL translation (it helps executables only)")
    .option(
      "--max-size <bytes>",
      "split into a cabinet set when a cabinet would exceed BYTES (suffix K, M or G: KiB, MiB, GiB)",
      parseBytes,
    )
    .addOption(jsonOption("each cabinet written and the totals"))
    .action(async (out: string, paths: string[], opts: CreateOptions) => {
      const files = await cabInputsFromPaths(opts.directory, paths);
      if (opts.level !== undefined && !opts.compression.startsWith("lzx")) {
        throw new CabError("invalid-input", `--level applies to LZX only, not ${opts.compression}`);
      }
      const compression = parseCompression(opts.compression, {
        ...(opts.level !== undefined ? { level: opts.level } : {}),
        e8: opts.e8,
      });
      const result = await writeCabinet(out, files, {
        compression,
        ...(opts.maxSize !== undefined ? { maxCabinetSize: opts.maxSize } : {}),
      });
      if (opts.json) {
        process.stdout.write(jsonText(CliSchema.cabCreate, result));
        return;
      }
      const say = outputFor(opts);
      for (const c of result.cabinets) say.status(`${c.path}: ${c.size} bytes`);
      say.status(
        `${result.fileCount} files, ${result.folderCount} folders, ${result.uncompressedBytes} bytes in, ${result.cabinets.length} cabinet(s)`,
      );
    });
};

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
