/**
 * `cabwright cab ...`: the cabinet library's commands. Each subcommand registers itself on
 * the shared `cab` group (created by whichever registers first).
 */
import { type Command, InvalidArgumentError } from "commander";
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
} from "../../cab/index.js";
import type { RegisterCommand } from "./types.js";

/** The `cab` command group, shared by every cab subcommand. */
export function cabGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === "cab") ??
    program.command("cab").description("create, list, test and extract Microsoft Cabinet files")
  );
}

interface ReadFlags {
  offset?: string;
  search?: boolean;
  encoding?: string;
}

function withReadOptions(cmd: Command): Command {
  return cmd
    .option("--search", "find the cabinet inside another file (e.g. appended to an .exe)")
    .option("--offset <bytes>", "the cabinet starts at this byte offset of the file")
    .option("--encoding <label>", "code page of names without the UTF-8 flag", "windows-1252");
}

function openOptions(flags: ReadFlags): OpenOptions {
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
  }
  return opts;
}

const pad2 = (n: number) => String(n).padStart(2, "0");

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

function listJson(cab: Cabinet): unknown {
  return {
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
  };
}

export const registerCabList: RegisterCommand = (program) => {
  withReadOptions(
    cabGroup(program)
      .command("list")
      .description("list the files of a cabinet (and the rest of its set)")
      .argument("<cab>", "cabinet file")
      .option("--json", "print JSON (every header field, folder and file)"),
  ).action(async (file: string, flags: ReadFlags & { json?: boolean }) => {
    const cab = await openCabinet(file, openOptions(flags));
    try {
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(listJson(cab), null, 2)}\n`);
        return;
      }
      for (const w of cab.warnings) process.stderr.write(`cabwright: warning: ${w}\n`);
      const lines = cab.files.map(
        (f) =>
          `${String(f.size).padStart(12)}  ${formatDate(f)}  ${attributeLetters(f.attributes)}  ${f.name}`,
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
      .argument("<cab>", "cabinet file"),
  ).action(async (file: string, flags: ReadFlags) => {
    const cab = await openCabinet(file, openOptions(flags));
    try {
      const report = await cab.test();
      for (const f of report.files) {
        process.stdout.write(
          `${f.ok ? "OK  " : "FAIL"}  ${f.name}${f.error ? `: ${f.error}` : ""}\n`,
        );
      }
      if (!report.ok) {
        const more = report.errors.length > 1 ? ` (and ${report.errors.length - 1} more)` : "";
        throw new CabError("invalid-data", `${report.errors[0]}${more}`, { file });
      }
      process.stdout.write(
        `${file}: ok (${report.files.length} files, ${report.folders} folders, ${report.blocks} blocks, ${report.checksumsVerified} checksums verified)\n`,
      );
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
      .option("-C, --directory <dir>", "target folder", "."),
  ).action(async (file: string, flags: ReadFlags & { directory: string }) => {
    const report = await extractCabinet(file, flags.directory, openOptions(flags));
    for (const w of report.warnings) process.stderr.write(`cabwright: warning: ${w}\n`);
    process.stdout.write(
      `${file}: extracted ${report.files.length} files (${report.bytes} bytes) to ${report.destDir}\n`,
    );
    const first = report.failed[0];
    if (first) {
      const more = report.failed.length > 1 ? ` (and ${report.failed.length - 1} more)` : "";
      throw new CabError("invalid-input", `"${first.name}" not extracted: ${first.error}${more}`, {
        file,
      });
    }
  });
};

interface CreateOptions {
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
      for (const c of result.cabinets) process.stdout.write(`${c.path}: ${c.size} bytes\n`);
      process.stdout.write(
        `${result.fileCount} files, ${result.folderCount} folders, ${result.uncompressedBytes} bytes in, ${result.cabinets.length} cabinet(s)\n`,
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
