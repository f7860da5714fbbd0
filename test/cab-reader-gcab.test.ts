/**
 * Cabinets written by another tool (gcab, stored and MSZIP) read back exactly, through the
 * library and through the CLI; a damaged one makes the CLI exit 2 with one line.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { extractCabinet, openCabinet } from "@cabwright/cab";
import test from "ava";
import { requirePeer, run, tempDir } from "./helpers/peers.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const cli = join(repo, "dist/builder/cli/main.js");

/** Files that exercise block edges: empty, one byte, exactly one block, many blocks. */
async function makeInputs(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const text = Buffer.from("The quick brown fox jumps over the lazy dog. ".repeat(5000));
  files.set("empty.txt", Buffer.alloc(0));
  files.set("one.bin", Buffer.from([0x42]));
  files.set("block.bin", randomBytes(32768));
  files.set("text.txt", text);
  files.set("sub/dir/random.bin", randomBytes(150_001));
  files.set("sub/mixed.bin", Buffer.concat([text.subarray(0, 70000), randomBytes(40000), text]));
  for (const [name, data] of files) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), data);
  }
  return files;
}

for (const compress of [true, false]) {
  test(`gcab -c${compress ? " -z" : ""} cabinets read back exactly`, async (t) => {
    const gcab = requirePeer("gcab");
    const dir = await tempDir(t);
    const src = join(dir, "src");
    await mkdir(src);
    const files = await makeInputs(src);
    const cabPath = join(dir, "out.cab");
    const args = ["-c", ...(compress ? ["-z"] : []), cabPath, ...files.keys()];
    const r = await run(gcab, args, { cwd: src });
    t.is(r.code, 0, r.stderr);

    const cab = await openCabinet(cabPath);
    try {
      t.is(cab.folders[0]!.compression, compress ? "mszip" : "none");
      t.deepEqual(
        cab.files.map((f) => [f.name, f.size]),
        [...files].map(([n, d]) => [n, d.length]),
      );
      t.true(cab.files.every((f) => f.storedName === f.name.replaceAll("/", "\\")));
      const report = await cab.test();
      t.true(report.ok, report.errors.join("; "));
      t.is(
        report.uncompressedBytes,
        [...files.values()].reduce((n, d) => n + d.length, 0),
      );
      // In order (one decode of the folder), then backwards and twice (fresh decodes).
      for (const e of [...cab.files, ...[...cab.files].reverse(), cab.files[3]!]) {
        const chunks: Buffer[] = [];
        for await (const c of cab.openFile(e)) chunks.push(c as Buffer);
        t.true(Buffer.concat(chunks).equals(files.get(e.name)!), e.name);
      }
      // Two streams of the same folder at once.
      const both = await Promise.all(
        [cab.files[5]!, cab.files[4]!].map(async (e) => {
          const chunks: Buffer[] = [];
          for await (const c of cab.openFile(e)) chunks.push(c as Buffer);
          return Buffer.concat(chunks).equals(files.get(e.name)!);
        }),
      );
      t.deepEqual(both, [true, true]);
    } finally {
      await cab.close();
    }

    const out = join(dir, "lib-out");
    const rep = await extractCabinet(cabPath, out);
    t.is(rep.files.length, files.size);
    for (const [name, data] of files) t.true((await readFile(join(out, name))).equals(data), name);

    const cliOut = join(dir, "cli-out");
    const x = await run(process.execPath, [cli, "cab", "extract", cabPath, "-C", cliOut]);
    t.is(x.code, 0, x.stderr);
    for (const [name, data] of files)
      t.true((await readFile(join(cliOut, name))).equals(data), name);
    const l = await run(process.execPath, [cli, "cab", "list", cabPath, "--json"]);
    t.is(l.code, 0);
    t.is(JSON.parse(l.stdout).files.length, files.size);
    const tt = await run(process.execPath, [cli, "cab", "test", cabPath]);
    t.is(tt.code, 0, tt.stderr);
  });
}

test("CLI: a damaged cabinet exits 2 with one line and leaves no partial file", async (t) => {
  const gcab = requirePeer("gcab");
  const dir = await tempDir(t);
  await writeFile(join(dir, "big.bin"), randomBytes(100_000));
  t.is((await run(gcab, ["-c", "-z", "x.cab", "big.bin"], { cwd: dir })).code, 0);
  const bytes = await readFile(join(dir, "x.cab"));
  bytes[bytes.length - 100]! ^= 0xff; // inside the last CFDATA: its checksum no longer holds
  await writeFile(join(dir, "bad.cab"), bytes);
  for (const args of [
    ["cab", "test", join(dir, "bad.cab")],
    ["cab", "extract", join(dir, "bad.cab"), "-C", join(dir, "out")],
  ]) {
    const r = await run(process.execPath, [cli, ...args]);
    t.is(r.code, 2, r.stderr);
    const lines = r.stderr.trimEnd().split("\n");
    t.is(lines.length, 1, r.stderr);
    t.regex(lines[0]!, /^cabwright: .*bad\.cab.*offset 0x[0-9a-f]+/);
  }
  const { readdir } = await import("node:fs/promises");
  t.deepEqual(await readdir(join(dir, "out")), []);
});
