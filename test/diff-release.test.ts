/**
 * Issue 16, "diff must be right": a product of 21 stamped PE files (20 Wine DLLs and one
 * mingw-w64 program) built by `cabwright build` at package version 4.1.3120.0, then at
 * 4.1.3125.0 with only the program really changed. diff must report that one file and
 * the package version, and nothing about the 20 files the release did not touch, in every
 * pairing of manifest, build record, .cab and .exe. Before the fix the exe/exe diff gave
 * 40 findings (rebuilt-without-version-bump and stale-version on each untouched file).
 */
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { diffSides, InputError, parseManifest } from "cabwright";
import { runCli } from "./helpers/cli-capture.js";
import { SIDE_FORMS, type SideForm } from "./helpers/diff-drops.js";
import {
  type BuiltRelease,
  buildRelease,
  CHANGED,
  FIRST,
  NEXT,
  type Release,
  UNTOUCHED,
  untouchedPath,
} from "./helpers/diff-release.js";
import { requirePeer, run, tempDir } from "./helpers/peers.js";
import { pefileRead } from "./helpers/pefile.js";

const A: Release = { packageVersion: FIRST, widgetVersion: FIRST, widgetVariant: 1 };
const B: Release = { packageVersion: NEXT, widgetVersion: NEXT, widgetVariant: 2 };
/** Every stamped file's ProductVersion follows the package (cabwright's old default). */
const FOLLOW = ["  productVersion: package"];

let root: Promise<string> | undefined;
const cleanups: (() => unknown)[] = [];
test.after.always(async () => {
  for (const fn of cleanups) await fn();
});
const cache = new Map<string, Promise<BuiltRelease>>();
/** Each release is built once, in one folder removed after all tests. */
function built(key: string, r: Release): Promise<BuiltRelease> {
  let p = cache.get(key);
  if (!p) {
    root ??= tempDir({ teardown: (fn) => cleanups.push(fn) }, "cabwright-diff-release-");
    p = root.then((dir) => buildRelease(join(dir, key), r));
    cache.set(key, p);
  }
  return p;
}

const knowsContent = (f: SideForm) => f !== "manifest";
const knowsPackage = (f: SideForm) => f !== "cab";
const findingsOf = (r: ReturnType<typeof diffSides>) =>
  r.findings.map((f) => `${f.rule} ${f.path}`);

for (const ka of SIDE_FORMS) {
  for (const kb of SIDE_FORMS) {
    test.serial(
      `the reported fault, A as ${ka} vs B as ${kb}: one file changed, the package version, no finding`,
      async (t) => {
        const a = await built("a", A);
        const b = await built("b", B);
        const r = diffSides(a.sides[ka], b.sides[kb]);
        t.deepEqual(findingsOf(r), []);
        t.deepEqual(
          r.changed.map((c) => c.path),
          [CHANGED],
        );
        t.deepEqual(r.changed[0]!.fields.version, [FIRST, NEXT]);
        if (knowsContent(ka) && knowsContent(kb)) t.true(r.changed[0]!.contentChanged);
        t.is(r.unchanged, UNTOUCHED);
        t.deepEqual(
          r.package,
          knowsPackage(ka) && knowsPackage(kb)
            ? [{ field: "version", before: FIRST, after: NEXT }]
            : [],
        );
      },
    );
  }
}

test.serial(
  "ProductVersion following the package: untouched files differ in bytes, not in content, and nothing is found",
  async (t) => {
    const a = await built("a-follow", { ...A, packageLines: FOLLOW });
    const b = await built("b-follow", { ...B, packageLines: FOLLOW });
    for (const ka of SIDE_FORMS) {
      for (const kb of SIDE_FORMS) {
        const r = diffSides(a.sides[ka], b.sides[kb]);
        const pair = `${ka} vs ${kb}`;
        t.deepEqual(findingsOf(r), [], pair);
        const restamped = r.changed.filter((c) => c.contentChanged === false);
        if (knowsContent(ka) && knowsContent(kb)) {
          // Their SHA-256 differs (the stamp), their neutral digest does not.
          t.is(restamped.length, UNTOUCHED, pair);
          t.true(
            restamped.every((c) => Object.keys(c.fields).join() === "sha256"),
            pair,
          );
          t.deepEqual(
            r.changed.filter((c) => c.contentChanged !== false).map((c) => c.path),
            [CHANGED],
            pair,
          );
        } else {
          t.deepEqual(
            r.changed.map((c) => c.path),
            [CHANGED],
            pair,
          );
        }
      }
    }
  },
);

test.serial(
  "a file rebuilt without a bump, a dropped file, a new title and KB: exactly those, in every pairing",
  async (t) => {
    const a = await built("a", A);
    const dropped = untouchedPath(UNTOUCHED - 1);
    const c = await built("c", {
      ...B,
      widgetVersion: FIRST,
      widgetVariant: 3,
      omit: [dropped],
      title: "Cumulative update 2 for Contoso Widget 4.1",
      kb: "5031234",
    });
    for (const ka of SIDE_FORMS) {
      for (const kb of SIDE_FORMS) {
        const pair = `${ka} vs ${kb}`;
        const r = diffSides(a.sides[ka], c.sides[kb]);
        const content = knowsContent(ka) && knowsContent(kb);
        t.deepEqual(
          findingsOf(r),
          [
            // A manifest declares no sizes here: it cannot see the rebuild.
            ...(content ? [`rebuilt-without-version-bump ${CHANGED}`] : []),
            // Stale against B's package version, which a bare .cab does not know.
            ...(content && knowsPackage(kb) ? [`stale-version ${CHANGED}`] : []),
            `dropped-file ${dropped}`,
          ],
          pair,
        );
        t.deepEqual(
          r.removed.map((f) => f.path),
          [dropped],
          pair,
        );
        t.deepEqual(
          r.package,
          knowsPackage(ka) && knowsPackage(kb)
            ? [
                {
                  field: "title",
                  before: "Cumulative update for Contoso Widget 4.1",
                  after: "Cumulative update 2 for Contoso Widget 4.1",
                },
                { field: "version", before: FIRST, after: NEXT },
                { field: "kb", after: "5031234" },
              ]
            : [],
          pair,
        );
      }
    }
    // The CLI: shown in text and JSON, and --fail-on dropped-file exits 1.
    const text = await runCli(["diff", `${a.base}.exe`, `${c.base}.exe`]);
    t.is(text.code, 0, text.stderr);
    t.regex(text.stdout, /Package:\n {2}~ title +Cumulative update for/);
    t.regex(text.stdout, /~ kb +\(none\) -> 5031234/);
    t.regex(text.stdout, /dropped-file +Widget20\.dll: is not in B/);
    const json = await runCli(["diff", `${a.base}.build.json`, `${c.base}.build.json`, "--json"]);
    t.is(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout);
    t.deepEqual(
      parsed.package.map((p: { field: string }) => p.field),
      ["title", "version", "kb"],
    );
    t.deepEqual(
      parsed.removed.map((f: { path: string }) => f.path),
      [dropped],
    );
    const fail = await runCli([
      "diff",
      `${a.base}.exe`,
      `${c.base}.exe`,
      "--fail-on",
      "dropped-file",
    ]);
    t.is(fail.code, 1);
    t.regex(fail.stderr, /1 finding matched --fail-on \(dropped-file\)/);
  },
);

/** Extract a built cabinet with cabextract and read every PE in it with pefile. */
async function productVersions(t: { teardown(fn: () => unknown): void }, release: BuiltRelease) {
  const cabextract = requirePeer("cabextract");
  const dir = await tempDir(t, "cabwright-diff-release-x-");
  await mkdir(dir, { recursive: true });
  const r = await run(cabextract, ["-q", "-d", dir, `${release.base}.cab`]);
  if (r.code !== 0) throw new Error(`cabextract failed: ${r.stderr}`);
  const paths = [
    ...(await readdir(dir)).filter((n) => n !== "x64").map((n) => join(dir, n)),
    ...(await readdir(join(dir, "x64"))).map((n) => join(dir, "x64", n)),
  ];
  const records = await pefileRead(paths);
  return new Map(
    records.map((p) => {
      const name = p.path.slice(dir.length + 1).replaceAll("\\", "/");
      const strings = Object.values(p.tables)[0] ?? {};
      return [name, { fixed: p.productVersion, string: strings.ProductVersion }];
    }),
  );
}

test.serial(
  "the stamped ProductVersion (read by cabextract and pefile): the file's own by default, the package's, or the manifest's",
  async (t) => {
    const byDefault = await productVersions(t, await built("b", B));
    const follow = await productVersions(
      t,
      await built("b-follow", { ...B, packageLines: FOLLOW }),
    );
    const fixed = await productVersions(
      t,
      await built("b-fixed", {
        ...B,
        packageLines: ["  productVersion: 4.1.0.0"],
        widgetLines: ["    productVersion: package"],
      }),
    );
    t.is(byDefault.size, UNTOUCHED + 1);
    for (const [path, v] of byDefault) {
      const own = path === CHANGED ? NEXT : FIRST;
      t.deepEqual(v, { fixed: own, string: own }, `default: ${path}`);
      t.deepEqual(follow.get(path), { fixed: NEXT, string: NEXT }, `package: ${path}`);
      const want = path === CHANGED ? NEXT : "4.1.0.0";
      t.deepEqual(fixed.get(path), { fixed: want, string: want }, `fixed: ${path}`);
    }
  },
);

test("check: package.productVersion and files[].productVersion take file, package or a version, each problem one line", (t) => {
  const manifest = (pkgLine: string, fileLines = "") => `package:
  name: w
  title: T
  product: P
  version: 4.1.3125.0
  company: C
  copyright: X
${pkgLine}
defaults:
  date: 2026-11-30
  time: "09:00"
  platform: x86
files:
  - name: A.dll
    version: 4.1.3120.0
${fileLines}  - name: readme.txt
    version: Not Applicable
    platform: Not Applicable
`;
  const problems = (text: string) => {
    try {
      parseManifest("w.yaml", text);
      return [];
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      return [err.message, ...err.details];
    }
  };
  for (const ok of ["file", "package", "4.1.0.0"]) {
    const loaded = parseManifest("w.yaml", manifest(`  productVersion: ${ok}`));
    t.is(loaded.manifest.package.productVersion, ok);
  }
  const pinned = parseManifest("w.yaml", manifest("", "    productVersion: 4.1.0.0\n")).manifest
    .files[0];
  t.is(pinned?.productVersion, "4.1.0.0");
  t.deepEqual(problems(manifest("  productVersion: 4.1.x")), [
    'w.yaml:8:19 package.productVersion: "4.1.x" is not file, package or a 4-part version like 4.1.0.0',
  ]);
  t.deepEqual(problems(manifest("  productVersion: 4.1.70000.0")), [
    'w.yaml:8:19 package.productVersion: "4.1.70000.0" is not a 4-part version: part 70000 is over 65535',
  ]);
  // A file shipped as found keeps its vendor's version resource: nothing to set.
  const unstamped = manifest("", "").replace(
    "    platform: Not Applicable\n",
    "    platform: Not Applicable\n    productVersion: package\n",
  );
  t.deepEqual(problems(unstamped), [
    "w.yaml:19:21 files[1].productVersion: files[1] (readme.txt) sets productVersion but is not stamped; a file shipped as found keeps its own",
  ]);
});
