/**
 * The cabinet reader against libmspack's own test cabinets (expected-cabextract.tsv holds
 * what cabextract made of them), names in legacy code pages, hostile paths, and a cabinet
 * appended to a real PE file.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CabError,
  type CabFileEntry,
  type Cabinet,
  extractCabinet,
  findCabinets,
  openCabinet,
  safeSegments,
} from "@cabwright/cab";
import test from "ava";
import { requirePeer, run, tempDir } from "../../../test/helpers/peers.js";

const repo = fileURLToPath(new URL("../../../../", import.meta.url));
const corpus = join(repo, "builder/cab/test/fixtures/libmspack");

interface Row {
  cabinet: string;
  status: "ok" | "reject";
  path: string;
  md5: string;
}

const rows: Row[] = readFileSync(join(corpus, "expected-cabextract.tsv"), "utf8")
  .trimEnd()
  .split("\n")
  .slice(1)
  .map((line) => {
    const [cabinet, status, path, md5] = line.split("\t");
    return { cabinet: cabinet!, status: status as Row["status"], path: path ?? "", md5: md5 ?? "" };
  });
const byCabinet = new Map<string, Row[]>();
for (const r of rows) byCabinet.set(r.cabinet, [...(byCabinet.get(r.cabinet) ?? []), r]);

/**
 * Names where cabextract's own rendering differs from ours on purpose: it keeps backslashes
 * of non-UTF-8 names out of the path, accepts overlong UTF-8 (which we decode as U+FFFD, so
 * an overlong "/" never becomes a separator), and the TSV lost trailing spaces. For these
 * two cabinets the files, their order and MD5s must agree, and every name must be safe.
 */
const NAMES_DIFFER = new Set(["dirwalk-vulns.cab", "utf8-stresstest.cab"]);

async function md5Of(cab: Cabinet, e: CabFileEntry): Promise<string> {
  const h = createHash("md5");
  for await (const chunk of cab.openFile(e)) h.update(chunk as Buffer);
  return h.digest("hex");
}

for (const [name, expected] of byCabinet) {
  const reject = expected[0]!.status === "reject";
  test(`libmspack corpus: ${name} ${reject ? "is rejected with a CabError" : "agrees with cabextract"}`, async (t) => {
    const path = join(corpus, name);
    if (reject) {
      const err = await t.throwsAsync(async () => {
        const cab = await openCabinet(path);
        try {
          const report = await cab.test();
          if (!report.ok) throw new CabError("invalid-data", report.errors[0]!);
        } finally {
          await cab.close();
        }
      });
      t.true(err instanceof CabError, String(err));
      t.regex(err!.message, /offset 0x[0-9a-f]+|signature/);
      t.false(err!.message.includes("\n"));
      return;
    }
    // cabextract searches every file for cabinets: several may follow one another.
    const offsets = await findCabinets(path);
    t.true(offsets.length > 0);
    const got: { name: string; md5: string }[] = [];
    for (const offset of offsets) {
      const cab = await openCabinet(path, { offset });
      try {
        for (const e of cab.files) got.push({ name: e.name, md5: await md5Of(cab, e) });
        t.true((await cab.test()).ok);
      } finally {
        await cab.close();
      }
    }
    t.is(got.length, expected.length, "same number of files");
    expected.forEach((row, i) => {
      const g = got[i]!;
      if (NAMES_DIFFER.has(name)) {
        t.true(safeSegments(g.name).join("/") === g.name && !g.name.split("/").includes(".."));
      } else {
        t.is(g.name, row.path, `file ${i} name`);
      }
      t.is(g.md5, row.md5, `file ${i} (${row.path}) MD5`);
    });
  });
}

test("every cabinet of the corpus is covered by the TSV or a set it starts", async (t) => {
  const cabs = (await readdir(corpus)).filter((f) => f.endsWith(".cab"));
  const continuation = /_pt[2-9]\.cab$|^split-[2-9]\.cab$|^encoding-/;
  for (const c of cabs) {
    if (continuation.test(c)) continue;
    t.true(byCabinet.has(c), c);
  }
});

for (const [cab, encoding] of [
  ["encoding-koi8.cab", "koi8-r"],
  ["encoding-latin1.cab", "windows-1252"],
  ["encoding-sjis.cab", "shift_jis"],
] as const) {
  test(`names in a legacy code page: ${cab} as ${encoding}`, async (t) => {
    const txt = new TextDecoder(encoding).decode(
      await readFile(join(corpus, cab.replace(".cab", ".txt"))),
    );
    const want = txt.split(/\r?\n/).filter((l) => l !== "");
    const c = await openCabinet(join(corpus, cab), { encoding });
    try {
      t.deepEqual(
        c.files.map((f) => f.storedName),
        want,
      );
    } finally {
      await c.close();
    }
  });
}

test("names with the UTF-8 flag decode as UTF-8, whatever the encoding option", async (t) => {
  const want = readFileSync(join(corpus, "case-utf8.txt"), "utf8")
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"));
  const c = await openCabinet(join(corpus, "case-utf8.cab"), { encoding: "koi8-r" });
  t.deepEqual(
    c.files.map((f) => f.storedName),
    want,
  );
  t.is(c.files[0]!.name, want[0]!.replaceAll("\\", "/"));
  await c.close();
});

test("an unknown encoding label is a CabError before anything is read", async (t) => {
  const err = await t.throwsAsync(
    openCabinet(join(corpus, "simple.cab"), { encoding: "no-such-page" }),
  );
  t.true(err instanceof CabError);
  t.is((err as CabError).kind, "invalid-input");
});

test("safe paths: leading separators, drive letters and .. never leave the target", (t) => {
  t.deepEqual(safeSegments("C:\\Windows\\System32\\x.dll"), ["Windows", "System32", "x.dll"]);
  t.deepEqual(safeSegments("/etc/passwd"), ["etc", "passwd"]);
  t.deepEqual(safeSegments("..\\..\\boot.ini"), ["xx", "xx", "boot.ini"]);
  t.deepEqual(safeSegments("a/./b//c"), ["a", "b", "c"]);
  t.deepEqual(safeSegments("\\\\\\"), ["x"]);
  t.deepEqual(safeSegments("d:"), ["x"]);
});

async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    out.push(relative(dir, join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)));
  }
  return out.sort();
}

test("dirwalk-vulns.cab: nothing is written outside the target folder", async (t) => {
  const dir = await tempDir(t);
  const target = join(dir, "a", "target");
  const report = await extractCabinet(join(corpus, "dirwalk-vulns.cab"), target);
  // Everything created is under a/target; nothing beside it.
  t.deepEqual(await readdir(dir), ["a"]);
  t.deepEqual(await readdir(join(dir, "a")), ["target"]);
  for (const f of report.files) t.false(relative(target, f.path).startsWith(".."), f.path);
  // Two names clash with a file made before them ("absolute/path" then "\absolute\path\..."):
  // they are reported, not written.
  t.is(report.files.length + report.failed.length, 29);
  t.true(report.failed.every((f) => f.error.includes("ENOTDIR")));
  const tree = await listTree(target);
  t.false(tree.some((p) => p.split("/").includes("..")));
  t.false(
    tree.some((p) => p.includes(".tmp")),
    "no temporary file remains",
  );
});

test("search: a gcab cabinet appended to a real PE file is found and read", async (t) => {
  const gcab = requirePeer("gcab");
  const dir = await tempDir(t);
  const wineDir = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";
  const pe = await readFile(join(wineDir, "version.dll"));
  await writeFile(join(dir, "hello.txt"), "hello from a self-extractor\n".repeat(2000));
  await writeFile(join(dir, "b.bin"), pe.subarray(0, 50000));
  t.is((await run(gcab, ["-c", "-z", "in.cab", "hello.txt", "b.bin"], { cwd: dir })).code, 0);
  const cabBytes = await readFile(join(dir, "in.cab"));
  const exe = join(dir, "setup.exe");
  await writeFile(exe, Buffer.concat([pe, cabBytes]));

  t.deepEqual(await findCabinets(exe), [pe.length]);
  const plain = await t.throwsAsync(openCabinet(exe));
  t.true(plain instanceof CabError);
  const cab = await openCabinet(exe, { search: true });
  try {
    t.is(cab.offset, pe.length);
    t.deepEqual(
      cab.files.map((f) => f.name),
      ["hello.txt", "b.bin"],
    );
    const h = createHash("md5");
    for await (const c of cab.openFile(cab.files[1]!)) h.update(c as Buffer);
    t.is(h.digest("hex"), createHash("md5").update(pe.subarray(0, 50000)).digest("hex"));
    t.true((await cab.test()).ok);
  } finally {
    await cab.close();
  }
  const out = join(dir, "out");
  await extractCabinet(exe, out, { search: true });
  t.deepEqual(await readFile(join(out, "b.bin")), pe.subarray(0, 50000));
  t.is((await stat(join(out, "hello.txt"))).size, 28 * 2000);
});

test("a cabinet set is followed case-insensitively, and a loop is refused", async (t) => {
  const dir = await tempDir(t);
  // split-1.cab names split-2.cab...; store the others in upper case.
  for (let i = 1; i <= 5; i++) {
    const name = i === 1 ? "split-1.cab" : `SPLIT-${i}.CAB`;
    await writeFile(join(dir, name), await readFile(join(corpus, `split-${i}.cab`)));
  }
  const cab = await openCabinet(join(dir, "split-1.cab"));
  t.is(cab.cabinets.length, 5);
  t.true((await cab.test()).ok);
  await cab.close();
  // A next-cabinet name pointing back at the first: pt2 renamed over itself.
  const loop = join(dir, "loop");
  const { mkdir } = await import("node:fs/promises");
  await mkdir(loop);
  const pt1 = await readFile(join(corpus, "cabd_multi_basic_pt1.cab"));
  const next = pt1.indexOf("cabd_multi_basic_pt2.cab");
  t.true(next > 0);
  const self = Buffer.from(pt1);
  self.write("cabd_multi_basic_pt1.cab", next, "latin1");
  await writeFile(join(loop, "cabd_multi_basic_pt1.cab"), self);
  const err = await t.throwsAsync(openCabinet(join(loop, "cabd_multi_basic_pt1.cab")));
  t.true(err instanceof CabError);
  t.regex(err!.message, /loops back/);
});

test("a missing next cabinet is a warning, and its continued file fails the test", async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, "split-1.cab"), await readFile(join(corpus, "split-1.cab")));
  const cab = await openCabinet(join(dir, "split-1.cab"));
  t.true(cab.warnings.some((w) => w.includes("not found")));
  const report = await cab.test();
  t.false(report.ok);
  t.true(report.files.some((f) => f.ok));
  await cab.close();
});

test("a set opened in the middle reads whole, backwards and forwards, as cabextract does", async (t) => {
  const first = await openCabinet(join(corpus, "split-1.cab"));
  const middle = await openCabinet(join(corpus, "split-3.cab"));
  try {
    t.is(middle.cabinets.length, 5);
    t.is(middle.header.cabinetIndex, 2);
    t.deepEqual(
      middle.files.map((f) => f.name),
      first.files.map((f) => f.name),
    );
    for (const [i, e] of middle.files.entries()) {
      t.is(await md5Of(middle, e), await md5Of(first, first.files[i]!), e.name);
    }
    t.true((await middle.test()).ok);
  } finally {
    await first.close();
    await middle.close();
  }
});

test("hostile names (drive letter, .., absolute) extract inside the target", async (t) => {
  const gcab = requirePeer("gcab");
  const dir = await tempDir(t);
  const src = join(dir, "src");
  const { mkdir } = await import("node:fs/promises");
  await mkdir(join(src, "Cx"), { recursive: true });
  await mkdir(join(src, "yy/yy"), { recursive: true });
  await writeFile(join(src, "Cx/evil1.txt"), "one");
  await writeFile(join(src, "yy/yy/evil2.txt"), "two");
  await writeFile(join(src, "qabs3.txt"), "three");
  const cabPath = join(dir, "evil.cab");
  const r = await run(gcab, ["-c", "-z", cabPath, "Cx/evil1.txt", "yy/yy/evil2.txt", "qabs3.txt"], {
    cwd: src,
  });
  t.is(r.code, 0, r.stderr);
  // Same-length patches of the stored names (names are outside the block checksums).
  const bytes = await readFile(cabPath);
  const patch = (from: string, to: string) => {
    const at = bytes.indexOf(from, 0, "latin1");
    t.true(at > 0, from);
    bytes.write(to, at, "latin1");
  };
  patch("Cx\\evil1.txt", "C:\\evil1.txt");
  patch("yy\\yy\\evil2.txt", "..\\..\\evil2.txt");
  patch("qabs3.txt", "\\abs3.txt");
  await writeFile(cabPath, bytes);
  const cab = await openCabinet(cabPath);
  t.deepEqual(
    cab.files.map((f) => [f.storedName, f.name]),
    [
      ["C:\\evil1.txt", "evil1.txt"],
      ["..\\..\\evil2.txt", "xx/xx/evil2.txt"],
      ["\\abs3.txt", "abs3.txt"],
    ],
  );
  await cab.close();
  const target = join(dir, "deep", "target");
  const report = await extractCabinet(cabPath, target);
  t.is(report.files.length, 3);
  t.deepEqual((await readdir(dir)).sort(), ["deep", "evil.cab", "src"]);
  t.deepEqual(await listTree(target), ["abs3.txt", "evil1.txt", "xx", "xx/xx", "xx/xx/evil2.txt"]);
  t.is(await readFile(join(target, "xx/xx/evil2.txt"), "utf8"), "two");
});
