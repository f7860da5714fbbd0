/**
 * `cabwright cab ...`: the cabinet library's commands. Each subcommand registers itself on
 * the shared `cab` group (created by whichever registers first).
 */
import type { Command } from "commander";
import {
  CabError,
  type CabFileEntry,
  type Cabinet,
  extractCabinet,
  type OpenOptions,
  openCabinet,
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
