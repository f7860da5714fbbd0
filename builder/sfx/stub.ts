/**
 * The SFX stubs: where the shipped builds are, and how to build them from
 * templates/sfx/*.c (sfxstub.c first) with mingw-w64, reproducibly (same source and toolchain, same bytes).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { bundledPath } from "../util/package-root.js";
import { type SfxPlatform, STUB_SOURCE_DIR } from "./constants.js";

const execFileP = promisify(execFile);

/** File names of the shipped stubs, in templates/sfx/. */
export const STUB_FILES: Readonly<Record<SfxPlatform, string>> = {
  x86: "sfxstub-x86.exe",
  x64: "sfxstub-x64.exe",
};
/** The record of the shipped stubs' digests and toolchain, written by `npm run build:stubs`. */
export const STUB_RECORD_FILE = "stubs.json";

/** The mingw-w64 tools for each platform. */
export const STUB_TOOLCHAIN: Readonly<Record<SfxPlatform, { gcc: string; windres: string }>> = {
  x86: { gcc: "i686-w64-mingw32-gcc", windres: "i686-w64-mingw32-windres" },
  x64: { gcc: "x86_64-w64-mingw32-gcc", windres: "x86_64-w64-mingw32-windres" },
};

/**
 * Compiler and linker flags, in a fixed order. No C runtime (-nostdlib, own entry point):
 * only kernel32, user32, shell32 and advapi32 (KnownDLLs) are imported (cabinet.dll and
 * version.dll are loaded at run time by their full System32 path, against DLL planting), and libgcc for helpers the compiler may call
 * (64-bit division on x86). Reproducible: no timestamp, no build id,
 * no compiler ident string, stripped.
 */
export const STUB_CFLAGS: readonly string[] = [
  "-std=c11",
  "-Os",
  "-s",
  "-Wall",
  "-Wextra",
  "-Werror",
  "-mwindows",
  "-nostdlib",
  "-nostartfiles",
  "-ffreestanding",
  "-fno-stack-protector",
  "-fno-ident",
  "-fno-tree-loop-distribute-patterns",
  "-Wl,--no-insert-timestamp",
  "-Wl,--build-id=none",
  "-Wl,--dynamicbase",
  "-Wl,--nxcompat",
];
/**
 * Per-platform flags after STUB_CFLAGS. x86: no DWARF unwind tables (.eh_frame, 4.8 KB):
 * 32-bit Windows unwinds through SEH frames, and the stub has no C++ exceptions to unwind.
 * x64 keeps its tables: the x64 ABI expects them for every non-leaf function.
 */
export const STUB_PLATFORM_CFLAGS: Readonly<Record<SfxPlatform, readonly string[]>> = {
  x86: ["-fno-asynchronous-unwind-tables", "-fno-unwind-tables"],
  x64: [],
};
/** The stub's C sources in link order (templates/sfx/; sfx.h declares what they share). */
export const STUB_SOURCES: readonly string[] = [
  "sfxstub.c",
  "sfx-base.c",
  "sfx-ui.c",
  "sfx-package.c",
  "sfx-extract.c",
  "sfx-plan.c",
  "sfx-system.c",
  "sfx-install.c",
];
export const STUB_LIBS: readonly string[] = [
  "-lshell32",
  "-luser32",
  "-ladvapi32",
  "-lkernel32",
  "-lgcc",
];

/** The shipped stub for a platform (or use an already stamped copy: see assembleSfx). */
export function stubPath(platform: SfxPlatform): string {
  return bundledPath(...STUB_SOURCE_DIR, STUB_FILES[platform]);
}

/** The folder holding the stub sources (sfxstub.c ...), sfxstub.rc and the shipped stubs. */
export function stubSourceDir(): string {
  return bundledPath(...STUB_SOURCE_DIR);
}

export interface BuiltStub {
  readonly platform: SfxPlatform;
  readonly bytes: Uint8Array;
  readonly sha256: string;
  /** `gcc --version` first line, e.g. "x86_64-w64-mingw32-gcc (GCC) 12-win32". */
  readonly compiler: string;
}

/** Compile the stub for `platform` from `sourceDir` (default: the bundled source). */
export async function buildStub(
  platform: SfxPlatform,
  sourceDir: string = stubSourceDir(),
): Promise<BuiltStub> {
  const tools = STUB_TOOLCHAIN[platform];
  const work = await mkdtemp(join(tmpdir(), "cabwright-stub-"));
  try {
    const res = join(work, "sfxstub-res.o");
    const exe = join(work, "sfxstub.exe");
    // Relative source names from the source folder: nothing of the checkout's path gets in.
    await tool(tools.windres, ["-O", "coff", "-o", res, "sfxstub.rc"], sourceDir);
    await tool(
      tools.gcc,
      [
        ...STUB_CFLAGS,
        ...STUB_PLATFORM_CFLAGS[platform],
        "-o",
        exe,
        ...STUB_SOURCES,
        res,
        ...STUB_LIBS,
      ],
      sourceDir,
    );
    const bytes = new Uint8Array(await readFile(exe));
    const version = await tool(tools.gcc, ["--version"], sourceDir);
    return {
      platform,
      bytes,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      compiler: version.split("\n")[0]!.trim(),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function tool(cmd: string, args: readonly string[], cwd: string): Promise<string> {
  try {
    const r = await execFileP(cmd, args as string[], { cwd, encoding: "utf8" });
    return r.stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") {
      throw new Error(
        `${cmd} not found: building the SFX stubs needs mingw-w64 (Debian: gcc-mingw-w64-x86-64, gcc-mingw-w64-i686)`,
      );
    }
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${e.stderr ?? e.message}`);
  }
}
