/**
 * Manifests as an attacker or a careless user writes them (issue 11): `check` refuses,
 * with exit 2 and one line naming line:column, everything `build` would refuse later or
 * that would blow up memory: YAML aliases of collections (billion laughs, self-reference),
 * undefined aliases, brace patterns that expand to millions, device names, over-long
 * paths, a file that is also a folder, sources outside the drop, NUL in strings, sizes a
 * cabinet cannot hold, more files than a cabinet holds.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { assertOneLine, cabwright, seedManifest, tinyManifest } from "./helpers/cli.js";
import { tempDir } from "./helpers/peers.js";

const BASE = tinyManifest("  - name: readme.txt\n");

/** BASE with its one file entry replaced by `files` (YAML list items). */
function withFiles(files: string): string {
  return BASE.replace("  - name: readme.txt\n", files);
}

async function checkFails(
  t: import("ava").ExecutionContext,
  text: string,
  expected: RegExp,
  label: string,
) {
  const dir = await tempDir(t);
  const file = join(dir, `${label.replace(/\W+/g, "-")}.yaml`);
  await writeFile(file, text);
  assertOneLine(t, await cabwright(["check", file]), expected, label);
}

test("YAML aliases of collections, self-references and undefined aliases: exit 2, one line", async (t) => {
  const laughs = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
  for (const c of "bcdefghi") {
    const prev = String.fromCharCode(c.charCodeAt(0) - 1);
    laughs.push(`${c}: &${c} [${Array(9).fill(`*${prev}`).join(", ")}]`);
  }
  await checkFails(
    t,
    `${laughs.join("\n")}\n`,
    /laughs\.yaml:2:8 .*alias \*a names a list/,
    "laughs",
  );
  const many = Array.from({ length: 150 }, (_, i) => `k${i}: *m`).join("\n");
  await checkFails(t, `m: &m {x: 1}\n${many}\n`, /alias \*m names a mapping/, "many aliases");
  await checkFails(t, "a: &x [*x]\n", /self\.yaml:1:8 .*alias \*x names a list/, "self");
  await checkFails(
    t,
    BASE.replace("A small package", "*nope"),
    /undefined\.yaml:3:10 .*alias \*nope has no anchor/,
    "undefined",
  );
});

test("a valid manifest using one scalar alias 151 times checks ok", async (t) => {
  const dir = await tempDir(t);
  const text = (await readFile(seedManifest, "utf8"))
    .replace("defaults:\n  version: 10.2.952.0", "defaults:\n  version: &v 10.2.952.0")
    .replace(
      "files:\n",
      `files:\n${Array.from({ length: 151 }, (_, i) => `  - name: extra${i}.txt\n    version: *v\n    stamp: false\n`).join("")}`,
    );
  const file = join(dir, "alias151.yaml");
  await writeFile(file, text);
  const r = await cabwright(["check", file]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /ok \(fse-sp2-hr2, 215 files\)/);
});

test("a brace pattern expanding to millions is refused by check, and by build before collecting", async (t) => {
  const braces = "{a,b,c,d,e,f,g,h}".repeat(8);
  const text = withFiles(`  - name: readme.txt\n    source: "${braces}"\n`);
  await checkFails(
    t,
    text,
    /files\[0\]\.source: .* expands to 16777216 patterns through its braces; at most 256/,
    "brace",
  );
  const dir = await tempDir(t);
  const file = join(dir, "brace.yaml");
  await writeFile(file, text);
  await mkdir(join(dir, "drop"));
  await writeFile(join(dir, "drop", "readme.txt"), "x");
  const r = await cabwright([
    "build",
    file,
    "--drop",
    join(dir, "drop"),
    "--out",
    join(dir, "out"),
  ]);
  assertOneLine(t, r, /expands to 16777216 patterns/, "build");
});

test("check refuses what build would: device names, long paths, file/folder clashes, sources outside, NUL, sizes", async (t) => {
  const cases: Array<[string, string, RegExp]> = [
    ["con", withFiles("  - name: CON\n"), /files\[0\]\.name: "CON" is a Windows device name/],
    ["aux", withFiles("  - name: aux.dll\n"), /"aux\.dll" is a Windows device name/],
    ["nul", withFiles("  - name: NUL.txt\n"), /"NUL\.txt" is a Windows device name/],
    ["con-space", withFiles('  - name: "CON .txt"\n'), /"CON \.txt" is a Windows device name/],
    [
      "com1",
      withFiles("  - name: a.txt\n    path: COM1/a.txt\n"),
      /files\[0\]\.path: "COM1\/a\.txt" has "COM1", a Windows device name/,
    ],
    [
      "long",
      withFiles(`  - name: a.txt\n    path: ${"d".repeat(200)}/${"e".repeat(60)}/a.txt\n`),
      /is 267 bytes long; a cabinet stores at most 255/,
    ],
    [
      "clash",
      withFiles("  - name: docs\n  - name: readme.txt\n    path: Docs/readme.txt\n"),
      /files\[0\]\.name: package path "docs" is also a folder of files\[1\] \("Docs\/readme\.txt"\)/,
    ],
    [
      "absolute",
      withFiles("  - name: a.txt\n    source: /etc/passwd\n"),
      /files\[0\]\.source: "\/etc\/passwd" is an absolute path/,
    ],
    [
      "dotdot",
      withFiles("  - name: a.txt\n    source: ../a.txt\n"),
      /climbs out of the drop with "\.\."/,
    ],
    [
      "nul-string",
      BASE.replace("title: A small package", 'title: "A small\\0package"'),
      /package\.title: .* holds a NUL character/,
    ],
    [
      "size",
      withFiles("  - name: a.txt\n    size: 9007199254740993\n"),
      /files\[0\]\.size: .* is not a size in bytes \(a whole number from 0 to 4294967295/,
    ],
    [
      "package-con",
      BASE.replace("name: tiny", "name: CON"),
      /package\.name: "CON" is a Windows device name: CON\.exe/,
    ],
  ];
  for (const [label, text, expected] of cases) await checkFails(t, text, expected, label);
});

test("more files than a cabinet holds are refused by check at once", async (t) => {
  const files = Array.from({ length: 70_000 }, (_, i) => `  - name: f${i}.txt\n`).join("");
  await checkFails(
    t,
    withFiles(files),
    /files: 70000 files; a package is one cabinet, which holds at most 65535/,
    "many",
  );
});
