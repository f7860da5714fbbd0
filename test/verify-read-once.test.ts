/**
 * verify reads a package once, in memory (issue 18): every file decoded once and hashed,
 * inspected and signature-checked from the same bytes, or streamed when it is larger than
 * the in-memory limit. Both paths give the same entries, and both still fail on damage: a
 * damaged block names the files in it, the intact files are still read and proven.
 */
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import {
  build,
  defaultToolkit,
  loadManifest,
  locateCabinet,
  minimalPe,
  readPackage,
  verifyPackage,
} from "cabwright";
import { writeCabinet } from "cabwright/cab";
import { walkCab } from "./helpers/cab-blocks.js";
import { run, tempDir } from "./helpers/peers.js";
import { smallCase } from "./helpers/small-build.js";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
/** Both ways of reading a file back: in memory (the default) and streamed. */
const paths = [
  ["in memory", {}],
  ["streamed", { inMemoryLimit: 0 }],
] as const;

test("a package read in memory and streamed gives the same entries, whose digests are cabextract's bytes'", async (t) => {
  const c = await smallCase(await tempDir(t));
  const r = await build({ manifest: c.manifest, drop: c.drop, out: c.out });
  const tk = defaultToolkit();
  const [mem, streamed] = await Promise.all(
    paths.map(([, o]) => readPackage(r.layout.exe, tk, { ...o, digests: true })),
  );
  t.deepEqual(streamed, mem);
  t.deepEqual(
    mem!.map((e) => [e.path, e.version, e.platform]),
    [
      ["app.dll", "1.2.3.4", "x86"],
      ["readme.txt", "Not Applicable", "Not Applicable"],
      ["data.bin", "Not Applicable", "Not Applicable"],
    ],
  );
  // Checked with a reader that shares no code with ours.
  const ex = await tempDir(t);
  const x = await run("cabextract", ["-q", "-d", ex, r.layout.cab]);
  t.is(x.code, 0, x.stderr);
  for (const e of mem!) t.is(e.sha256, sha256(await readFile(join(ex, e.path))), e.path);
});

/** A cabinet with a folder per file (maxFolderSize 1): damage in one spares the others. */
async function twoFolders(dir: string) {
  const files = new Map<string, Uint8Array>([
    ["app.dll", minimalPe({ arch: "x64", dll: true, timestamp: 0 })],
    ["readme.txt", new TextEncoder().encode("Read me.\r\n".repeat(50))],
    ["data.bin", Uint8Array.from({ length: 200_000 }, (_, i) => (i * 2654435761) >>> 24)],
  ]);
  const cab = join(dir, "two.cab");
  await writeCabinet(
    cab,
    [...files].map(([name, bytes]) => ({
      name,
      size: bytes.length,
      date: new Date(Date.UTC(2010, 0, 1)),
      source: async function* () {
        yield bytes;
      },
    })),
    { compression: "mszip", maxFolderSize: 1 },
  );
  return { cab, files };
}

for (const [how, opts] of paths) {
  test(`a damaged block (${how}): its file fails, the other folders' are still read and proven`, async (t) => {
    const dir = await tempDir(t);
    const { cab, files } = await twoFolders(dir);
    const bytes = new Uint8Array(await readFile(cab));
    const walked = walkCab(bytes);
    const folder = walked.files.find((f) => f.name === "data.bin")!.folder;
    t.not(folder, walked.files.find((f) => f.name === "app.dll")!.folder, "folders of their own");
    // One byte of data.bin's first block flipped: its CFDATA checksum no longer holds.
    const block = walked.folders[folder]!.blocks[0]!.data;
    bytes[block.byteOffset - bytes.byteOffset + 10]! ^= 0x40;
    const damaged = join(dir, "damaged.cab");
    await writeFile(damaged, bytes);
    let told = 0;
    const entries = await readPackage(damaged, defaultToolkit(), {
      ...opts,
      digests: true,
      damaged: () => {
        told++;
      },
    });
    t.is(told, 1, "the caller is told the cabinet is damaged");
    const by = new Map(entries.map((e) => [e.path, e]));
    t.regex(by.get("data.bin")!.readError ?? "", /checksum/);
    t.is(by.get("data.bin")!.sha256, undefined, "no digest of bytes not read");
    for (const name of ["app.dll", "readme.txt"]) {
      t.is(by.get(name)!.readError, undefined, name);
      t.is(by.get(name)!.sha256, sha256(files.get(name)!), name);
    }
    t.is(by.get("app.dll")!.platform, "x64");
  });
}

test("verify of a package with a damaged cabinet block fails: the payload CRC and every file in the block", async (t) => {
  const c = await smallCase(await tempDir(t));
  const r = await build({ manifest: c.manifest, drop: c.drop, out: c.out });
  const bytes = new Uint8Array(await readFile(r.layout.exe));
  const at = locateCabinet(bytes).offset;
  const walked = walkCab(bytes.subarray(at));
  const block = walked.folders[0]!.blocks[0]!.data;
  bytes[block.byteOffset - bytes.byteOffset + 20]! ^= 0x01;
  const exe = join(c.dir, "damaged.exe");
  await writeFile(exe, bytes);
  const report = await verifyPackage(exe, await loadManifest(c.manifest), defaultToolkit(), {
    record: false,
  });
  t.false(report.ok);
  const fields = report.mismatches.map((m) => `${m.path} ${m.field}`);
  t.true(fields.includes("damaged.exe payloadCrc"), fields.join("; "));
  for (const f of walked.files.filter((x) => x.folder === 0 && x.folderOffset < 32768)) {
    t.true(fields.includes(`${f.name} data`), `${f.name}: ${fields.join("; ")}`);
  }
});

test("verify of an intact package decodes every file once and extracts none", async (t) => {
  const c = await smallCase(await tempDir(t));
  const r = await build({ manifest: c.manifest, drop: c.drop, out: c.out });
  const tk = defaultToolkit();
  const reads: number[] = [];
  let extracted = 0;
  const counting: typeof tk = {
    ...tk,
    async openPackage(path) {
      const cab = await tk.openPackage(path);
      return {
        files: cab.files,
        extractAll: (dir, only) => {
          extracted++;
          return cab.extractAll(dir, only);
        },
        read: (i) => {
          reads.push(i);
          return cab.read(i);
        },
        test: () => cab.test(),
        close: () => cab.close(),
      };
    },
  };
  const report = await verifyPackage(r.layout.exe, await loadManifest(c.manifest), counting, {
    record: false,
  });
  t.true(report.ok, JSON.stringify(report.mismatches));
  t.deepEqual(reads, [0, 1, 2], "each file read once, in the cabinet's order");
  t.is(extracted, 0, "nothing written to disk");
});
