/**
 * Windows path forms in the manifest, one rule (README, "On Windows"): a `source` names a
 * file on the build host and takes "\" and "/" alike (so "\" is never a glob escape); a path
 * inside the package (`path`, `package.entry.command`) takes "/" only, and "\" there is one
 * line naming the field and line:column. Absolute Windows forms (C:\, \\server\share, \x)
 * and ".." are refused in `source` as on Linux.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { collect, defaultToolkit, parseManifest, silentProgress } from "cabwright";
import { tinyManifest } from "./helpers/cli.js";
import { problemsOf } from "./helpers/manifest-problems.js";
import { tempDir } from "./helpers/peers.js";

test('"\\" in a path inside the package is refused, naming the field and line:column', (t) => {
  const text = tinyManifest("  - name: readme.txt\n    path: 'docs\\readme.txt'\n").replace(
    "  copyright: (c) Example\n",
    "  copyright: (c) Example\n  entry: { command: 'docs\\readme.txt' }\n",
  );
  t.deepEqual(problemsOf(text), [
    'm.yaml:8:21 package.entry.command: "docs\\\\readme.txt" uses "\\"; write paths inside the package with "/", like x64/File.dll',
    'm.yaml:16:11 files[0].path: "docs\\\\readme.txt" uses "\\"; write paths inside the package with "/", like x64/File.dll',
  ]);
  // The same manifest with "/" loads, the entry command found among the files.
  const fixed = text.replaceAll("docs\\readme.txt", "docs/readme.txt");
  t.deepEqual(problemsOf(fixed), []);
  t.is(parseManifest("m.yaml", fixed).manifest.package.entry?.command, "docs/readme.txt");
});

/** A manifest of data files f0.txt, f1.txt... with these sources (single-quoted: "\\" as is). */
function withSources(sources: readonly string[]): string {
  return tinyManifest(sources.map((s, i) => `  - name: f${i}.txt\n    source: '${s}'\n`).join(""));
}

test("absolute Windows sources and .. are refused in source, naming the field", (t) => {
  const files = [
    "C:\\drop\\a.txt",
    "c:/drop/b.txt",
    "\\\\server\\share\\c.txt",
    "\\d.txt",
    "..\\e.txt",
    "x64\\..\\..\\f.txt",
  ];
  const problems = problemsOf(withSources(files));
  t.is(problems.length, files.length, problems.join("\n"));
  files.forEach((s, i) => {
    const line = problems.find((p) => p.includes(`files[${i}].source`));
    const why = s.includes("..") ? /climbs out of the drop/ : /is an absolute path/;
    t.regex(line ?? "", new RegExp(`^m\\.yaml:${15 + 2 * i}:13 files\\[${i}\\]\\.source: `), s);
    t.regex(line ?? "", why, s);
  });
});

test('source takes "\\" and "/" (and .\\, globs, any case): each finds the drop file', async (t) => {
  const dir = await tempDir(t);
  const drop = join(dir, "drop");
  await mkdir(join(drop, "x64", "sub"), { recursive: true });
  await writeFile(join(drop, "x64", "sub", "readme.txt"), "read me\r\n");
  const sources = [
    "x64\\sub\\readme.txt",
    ".\\x64\\sub\\readme.txt",
    "x64/sub\\readme.txt",
    "x64\\sub\\*.txt",
    "X64\\SUB\\README.TXT",
    "x64/sub/readme.txt",
  ];
  const loaded = parseManifest("m.yaml", withSources(sources));
  const { files } = await collect(loaded, drop, defaultToolkit(), silentProgress);
  t.deepEqual(
    files.map((f) => f.source),
    sources.map(() => "x64/sub/readme.txt"),
  );
});
