/**
 * The manifest's life cycle (issue 16), as a release engineer lives it: `init --from-drop`
 * over a drop holding a Thumbs.db and .pdb files, a new version set by hand (with a
 * comment), the first build, `build --update-manifest` locking the shipped sizes without
 * touching anything else of the text, a rebuild with the same bytes; the stale sizes an
 * older init wrote; unclaimed drop files failing a CI build. Real PEs from mingw-w64 with
 * windres version resources.
 */
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test, { type ExecutionContext } from "ava";
import { setFileSizes } from "cabwright";
import { assertOneLine, cabwright } from "./helpers/cli.js";
import { tempDir } from "./helpers/peers.js";
import { buildVersionedPe } from "./helpers/versioned-pe.js";

const BUILT = "4.1.3120.0";
const NEXT = "4.1.3125.0";

/** drop/: two stamped PEs, a text file, and what a build machine leaves beside them. */
async function makeDrop(dir: string): Promise<string> {
  const drop = join(dir, "drop");
  await mkdir(join(drop, "x64"), { recursive: true });
  await mkdir(join(drop, "symbols"), { recursive: true });
  const pes = join(dir, "pes");
  await mkdir(pes);
  // A version resource with the version alone, as many build systems write: the stamp
  // adds the company, product and copyright strings, and the file grows.
  const exe = await buildVersionedPe(pes, {
    name: "tool.exe",
    arch: "x86",
    version: BUILT,
    bare: true,
  });
  const dll = await buildVersionedPe(pes, {
    name: "engine.dll",
    arch: "x64",
    version: BUILT,
    dll: true,
    source: "__declspec(dllexport) int answer(void) { return 42; }\n",
  });
  await writeFile(join(drop, "tool.exe"), await readFile(exe));
  await writeFile(join(drop, "x64", "engine.dll"), await readFile(dll));
  await writeFile(join(drop, "readme.txt"), "Read me first.\r\n");
  await writeFile(join(drop, "Thumbs.db"), "thumbnail cache");
  await writeFile(join(drop, "x64", "Thumbs.db"), "thumbnail cache");
  await writeFile(join(drop, "x64", "engine.pdb"), "symbols");
  await writeFile(join(drop, "symbols", "tool.pdb"), "symbols");
  return drop;
}

/** The engineer's edit: the next version, with a comment of their own. */
function setVersion(yaml: string): string {
  const edited = yaml
    .replace(`\n  version: ${BUILT}\n`, `\n  version: ${NEXT}   # the next cumulative update\n`)
    .replace(
      /^defaults:\n {2}version: .*$/m,
      `defaults:\n  # every stamped file\n  version: ${NEXT}`,
    );
  if (edited === yaml) throw new Error("the draft has no version to change");
  return edited;
}

/** A drop and the manifest `init --from-drop` writes for it, Thumbs.db and *.pdb excluded. */
async function initCase(t: ExecutionContext, name = "drop.yaml") {
  const dir = await tempDir(t);
  const drop = await makeDrop(dir);
  const manifest = join(dir, name);
  const excludes = ["--exclude", "Thumbs.db", "--exclude", "*.pdb"];
  const init = await cabwright(["init", "--from-drop", drop, ...excludes, "-o", manifest]);
  t.is(init.code, 0, init.stderr);
  return { dir, drop, manifest, init };
}

function build(manifest: string, drop: string, out: string, ...flags: string[]) {
  return cabwright(["build", manifest, "--drop", drop, "--out", out, ...flags], {
    timeoutMs: 120_000,
  });
}

test("init --from-drop with excludes, a version set by hand, a first build that passes, --update-manifest locks the sizes (comments kept), a rebuild gives the same bytes", async (t) => {
  const { dir, drop, manifest, init } = await initCase(t, join("hotfix", "drop.yaml"));
  t.regex(init.stderr, /3 files of .*\(left out: 2 Thumbs\.db, 2 \*\.pdb\)/);
  const draft = await readFile(manifest, "utf8");
  t.notRegex(draft, /name: (Thumbs\.db|engine\.pdb|tool\.pdb)/);
  t.regex(draft, /\ndrop:\n {2}exclude:\n {4}- Thumbs\.db\n {4}- "\*\.pdb"\n/);
  // What the build checks as written: the text file's size; no size on the stamped PEs.
  t.regex(draft, /- name: readme\.txt\n {4}version: Not Applicable\n {4}size: 16\n/);
  t.notRegex(draft, /- name: tool\.exe\n(?: {4}.*\n)*? {4}size:/);
  t.notRegex(draft, /- name: engine\.dll\n(?: {4}.*\n)*? {4}size:/);

  const edited = setVersion(draft);
  await writeFile(manifest, edited);
  const out = join(dir, "out");
  const first = await build(manifest, drop, out);
  t.is(first.code, 0, first.stderr);
  t.notRegex(first.stderr, /Thumbs\.db|\.pdb|no manifest entry claims/, "excluded: not unclaimed");
  const exe = join(out, "drop", "drop.exe");
  const firstBytes = await readFile(exe);
  t.is(await readFile(manifest, "utf8"), edited, "a plain build leaves the manifest alone");

  const locked = await build(manifest, drop, out, "--update-manifest");
  t.is(locked.code, 0, locked.stderr);
  t.regex(locked.stderr, /2 file size\(s\) written as built/);
  const after = await readFile(manifest, "utf8");
  const record = JSON.parse(await readFile(join(out, "drop", "drop.build.json"), "utf8")) as {
    files: { path: string; after: { size: number } }[];
  };
  const shipped = new Map(record.files.map((f) => [f.path, f.after.size]));
  // Exactly one line added per stamped file, after its version or its identity, and
  // nothing else changed: the comments, order and quoting are the engineer's.
  const added = after.split("\n").filter((l) => !edited.split("\n").includes(l));
  t.deepEqual(
    added.sort(),
    [`    size: ${shipped.get("tool.exe")}`, `    size: ${shipped.get("x64/engine.dll")}`].sort(),
  );
  t.is(
    after
      .split("\n")
      .filter((l) => !added.includes(l))
      .join("\n"),
    edited,
  );
  t.true(after.includes("# the next cumulative update") && after.includes("# every stamped file"));
  t.deepEqual(await readFile(exe), firstBytes, "--update-manifest builds the same package");

  // Locked: the next build checks the sizes, and gives the same bytes.
  const again = await build(manifest, drop, out);
  t.is(again.code, 0, again.stderr);
  t.deepEqual(await readFile(exe), firstBytes);
  const tsv = await cabwright(["table", manifest, "--format", "tsv"]);
  const pkgTsv = await cabwright(["table", exe, "--format", "tsv"]);
  t.is(tsv.stdout, pkgTsv.stdout, "the manifest's table is the package's");

  // A second --update-manifest finds nothing to write and leaves the file as it is.
  const idle = await build(manifest, drop, out, "--update-manifest");
  t.is(idle.code, 0, idle.stderr);
  t.regex(idle.stderr, /every size already as built; not rewritten/);
  t.is(await readFile(manifest, "utf8"), after);
});

test("the sizes an unstamped drop had fail the build with both numbers; --update-manifest writes the stamped ones in place, the file's mode kept", async (t) => {
  const { dir, drop, manifest } = await initCase(t);
  // What an older init wrote: every file's size as found, before stamping.
  const { size: exeSize } = await stat(join(drop, "tool.exe"));
  const stale = setVersion(await readFile(manifest, "utf8")).replace(
    /(- name: tool\.exe\n)/,
    `$1    size: ${exeSize} # as found in the drop\n`,
  );
  await writeFile(manifest, stale);
  // Kept group-writable in a shared checkout: rewriting it must not reset that.
  await chmod(manifest, 0o664);
  const out = join(dir, "out");
  const failed = await build(manifest, drop, out);
  t.is(failed.code, 2, failed.stderr);
  t.regex(
    failed.stderr,
    new RegExp(
      `files\\[\\d\\] \\(tool\\.exe\\): size is ${exeSize} bytes in the manifest, but the stamped file has \\d+`,
    ),
  );
  const fixed = await build(manifest, drop, out, "--update-manifest");
  t.is(fixed.code, 0, fixed.stderr);
  const record = JSON.parse(await readFile(join(out, "drop", "drop.build.json"), "utf8")) as {
    files: { path: string; after: { size: number } }[];
  };
  const stamped = record.files.find((f) => f.path === "tool.exe")!.after.size;
  t.not(stamped, exeSize);
  const text = await readFile(manifest, "utf8");
  t.true(
    text.includes(`    size: ${stamped} # as found in the drop\n`),
    "the value replaced, its comment kept",
  );
  if (process.platform !== "win32") t.is((await stat(manifest)).mode & 0o777, 0o664);
  const rebuilt = await build(manifest, drop, out);
  t.is(rebuilt.code, 0, rebuilt.stderr);
});

test("unclaimed drop files: a warning by default, exit 2 naming each with --fail-on-unclaimed or drop.unclaimed: error; excluded files are never unclaimed", async (t) => {
  const { dir, drop, manifest } = await initCase(t);
  await writeFile(join(drop, "x64", "extra.dll"), "not in the manifest");
  const out = join(dir, "out");
  const warned = await build(manifest, drop, out);
  t.is(warned.code, 0, warned.stderr);
  t.regex(warned.stderr, /x64\/extra\.dll is in the drop but no manifest entry claims it/);
  t.notRegex(warned.stderr, /Thumbs|\.pdb/);

  const ci = await build(manifest, drop, join(dir, "out-ci"), "--fail-on-unclaimed");
  t.is(ci.code, 2, ci.stderr);
  t.regex(
    ci.stderr,
    /x64\/extra\.dll is in the drop, but no manifest entry claims it and no drop\.exclude pattern matches it \(--fail-on-unclaimed\)/,
  );
  t.notRegex(ci.stderr, /Thumbs|\.pdb|\n\s+at /);

  const strict = (await readFile(manifest, "utf8")).replace(
    "\ndrop:\n",
    "\ndrop:\n  unclaimed: error\n",
  );
  await writeFile(manifest, strict);
  const line = strict.split("\n").indexOf("  unclaimed: error") + 1;
  const refused = await build(manifest, drop, join(dir, "out-strict"));
  t.is(refused.code, 2, refused.stderr);
  t.regex(
    refused.stderr,
    new RegExp(`extra\\.dll .*\\(drop\\.unclaimed: error at .*drop\\.yaml:${line}:14\\)`),
  );
  // Excluding it is the other way out.
  await writeFile(
    manifest,
    strict.replace('    - "*.pdb"\n', '    - "*.pdb"\n    - x64/extra.dll\n'),
  );
  const passes = await build(manifest, drop, join(dir, "out-strict"));
  t.is(passes.code, 0, passes.stderr);
});

test("setFileSizes edits only the sizes: block and flow entries, JSON, CRLF, comments and folded text kept", (t) => {
  const yaml = [
    "# top comment",
    "summary: >",
    "  folded text that a",
    "  re-serializer would join",
    "files:",
    "  - name: a.dll # the main one",
    "    version: 1.0.0.0 # pinned",
    "    platform: x86",
    "  - { name: b.dll, path: x/b.dll }",
    "  - name: c.txt",
    "    size: 5   # old",
    "",
  ].join("\n");
  const sizes = new Map([
    [0, 100],
    [1, 200],
    [2, 7],
  ]);
  const out = setFileSizes(yaml, sizes);
  t.is(out.changed, 3);
  t.is(
    out.text,
    [
      "# top comment",
      "summary: >",
      "  folded text that a",
      "  re-serializer would join",
      "files:",
      "  - name: a.dll # the main one",
      "    version: 1.0.0.0 # pinned",
      "    size: 100",
      "    platform: x86",
      "  - { name: b.dll, path: x/b.dll, size: 200 }",
      "  - name: c.txt",
      "    size: 7   # old",
      "",
    ].join("\n"),
  );
  t.is(setFileSizes(out.text, sizes).changed, 0);
  const crlf = setFileSizes(yaml.replace(/\n/g, "\r\n"), sizes).text;
  t.is(crlf, out.text.replace(/\n/g, "\r\n"));
  const json = '{\n  "files": [\n    { "name": "a.dll", "version": "1.0.0.0" }\n  ]\n}\n';
  t.is(
    setFileSizes(json, new Map([[0, 9]])).text,
    '{\n  "files": [\n    { "name": "a.dll", "version": "1.0.0.0", "size": 9 }\n  ]\n}\n',
  );
});

test("init --exclude: a bad pattern or --exclude without --from-drop is one line, exit 2; everything excluded says so", async (t) => {
  const dir = await tempDir(t);
  const drop = join(dir, "drop");
  await mkdir(drop);
  await writeFile(join(drop, "Thumbs.db"), "thumbnail cache");
  assertOneLine(
    t,
    await cabwright(["init", "--from-drop", drop, "--exclude", "a\\b"]),
    /--exclude: "a\\\\b" holds a \\; expected \//,
  );
  assertOneLine(
    t,
    await cabwright(["init", "--from-drop", drop, "--exclude", "../x"]),
    /has a \.\. segment/,
  );
  assertOneLine(
    t,
    await cabwright(["init", "--from-kb", "x.txt", "--exclude", "*.pdb"]),
    /--exclude goes with --from-drop/,
  );
  assertOneLine(
    t,
    await cabwright(["init", "--from-drop", drop, "--exclude", "thumbs.DB"]),
    /the build drop has no files \(1 excluded\)/,
  );
});
