/**
 * The cab library's file I/O on the fast paths (issue 18): path sources read with one
 * call per small file (synchronously) or asynchronously when large, each read asking one
 * byte past the declared end; extraction writing in batches, small files synchronously,
 * and setting each file's date after its last write. Checked against cabextract.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, stat, truncate, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type CabInputFile,
  cabInputsFromPaths,
  extractCabinet,
  writeCabinet,
} from "@cabwright/cab";
import test from "ava";
import { requirePeer, run, tempDir } from "./helpers/peers.js";

const DATE = new Date(Date.UTC(2011, 2, 4, 5, 6, 8));

/** Seeded bytes: text-like, so that MSZIP compresses them. */
function bytes(seed: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = 97 + ((x >>> 16) % 7);
  }
  return out;
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function sourceFiles(dir: string, sizes: readonly number[]): Promise<CabInputFile[]> {
  await mkdir(dir, { recursive: true });
  const files: CabInputFile[] = [];
  for (const [i, size] of sizes.entries()) {
    const p = join(dir, `f${i}.bin`);
    await writeFile(p, bytes(i, size));
    files.push({ name: `d${i % 3}/f${i}.bin`, source: p, size, date: DATE });
  }
  return files;
}

test("path sources small and large, ending on and off chunk boundaries, round-trip through cabextract", async (t) => {
  const cabextract = requirePeer("cabextract");
  const dir = await tempDir(t);
  // 256 KiB is an MSZIP job: a folder's last file ending exactly there reads no more.
  const sizes = [0, 1, 700, 32_768, 262_144 - 33_469, 1 << 20, (1 << 20) + 1, 3_000_001, 5];
  const files = await sourceFiles(join(dir, "in"), sizes);
  for (const threads of [1, 2]) {
    const cab = join(dir, `t${threads}.cab`);
    await writeCabinet(cab, files, { threads });
    const out = join(dir, `out${threads}`);
    await mkdir(out);
    const r = await run(cabextract, ["-q", "-d", out, cab]);
    t.is(r.code, 0, r.stderr);
    for (const [i, f] of files.entries()) {
      const got = await readFile(join(out, f.name.replace("\\", "/")));
      t.is(sha(got), sha(bytes(i, sizes[i]!)), `${f.name} (threads ${threads})`);
    }
  }
  t.deepEqual(
    await readFile(join(dir, "t1.cab")),
    await readFile(join(dir, "t2.cab")),
    "same bytes for any thread count",
  );
});

test("a path source longer or shorter on disk than declared is refused, small or large", async (t) => {
  const dir = await tempDir(t);
  for (const size of [600, 3_000_000]) {
    const [file] = await sourceFiles(join(dir, `in${size}`), [size]);
    const longer = { ...file!, size: size - 1 };
    await t.throwsAsync(writeCabinet(join(dir, "l.cab"), [longer]), {
      name: "CabError",
      message: new RegExp(`gave more than the ${size - 1} bytes declared`),
    });
    // The file is cut after planning: the reader sees it end early.
    const shorter = { ...file!, size };
    await truncate(file!.source as string, size - 10);
    await t.throwsAsync(writeCabinet(join(dir, "s.cab"), [shorter]), {
      name: "CabError",
      message: new RegExp(`ended after ${size - 10} bytes, ${size} declared`),
    });
    // Followed by another file (room after it in the chunk): the same checks hold.
    const [other] = await sourceFiles(join(dir, `other${size}`), [100]);
    await t.throwsAsync(writeCabinet(join(dir, "s2.cab"), [shorter, { ...other!, name: "o" }]), {
      name: "CabError",
      message: new RegExp(`ended after ${size - 10} bytes, ${size} declared`),
    });
  }
  t.deepEqual(
    (await readdir(dir)).filter((n) => n.endsWith(".cab") || n.includes(".tmp")),
    [],
    "no cabinet and no temporary file left",
  );
});

test("extraction matches cabextract for many small files and one large one, and sets each file's date", async (t) => {
  const cabextract = requirePeer("cabextract");
  const dir = await tempDir(t);
  const sizes = [...Array.from({ length: 1500 }, (_, i) => (i * 37) % 900), 2_500_000, 0];
  const files = await sourceFiles(join(dir, "in"), sizes);
  const cab = join(dir, "t.cab");
  await writeCabinet(cab, files, { maxFolderSize: 400_000 });
  const ours = join(dir, "ours");
  const report = await extractCabinet(cab, ours);
  t.is(report.files.length, files.length);
  t.deepEqual(report.failed, []);
  const theirs = join(dir, "theirs");
  await mkdir(theirs);
  const r = await run(cabextract, ["-q", "-d", theirs, cab]);
  t.is(r.code, 0, r.stderr);
  for (const f of files) {
    const name = f.name.replace("\\", "/");
    const [a, b] = [await readFile(join(ours, name)), await readFile(join(theirs, name))];
    t.true(a.equals(b), name);
    // The DOS date read as UTC, to its 2-second resolution: set after the last write.
    t.is((await stat(join(ours, name))).mtime.toISOString(), DATE.toISOString(), name);
  }
  const left = (await readdir(ours, { recursive: true })).filter((n) => n.includes(".tmp"));
  t.deepEqual(left, [], "no temporary file left");
});

test("cabInputsFromPaths names files relative to the base however the path is spelled", async (t) => {
  const dir = await tempDir(t);
  for (const p of ["a/b/c.txt", "a/d.txt", "e.txt"]) {
    await mkdir(join(dir, p, ".."), { recursive: true });
    await writeFile(join(dir, p), p);
    await utimes(join(dir, p), DATE, DATE);
  }
  const names = async (paths: string[]) =>
    (await cabInputsFromPaths(dir, paths)).map((f) => [f.name, f.size]);
  const all = [
    ["a\\b\\c.txt", 9],
    ["a\\d.txt", 7],
    ["e.txt", 5],
  ];
  t.deepEqual(await names(["."]), all);
  t.deepEqual(await names(["./a/", "e.txt"]), all);
  t.deepEqual(await names([join(dir, "a", "b")]), [["a\\b\\c.txt", 9]]);
  await t.throwsAsync(cabInputsFromPaths(dir, ["a/missing"]), {
    name: "CabError",
    message: /cannot read "a\/missing"/,
  });
});
