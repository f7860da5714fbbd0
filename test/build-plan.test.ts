import { fileURLToPath } from "node:url";
import test from "ava";
import {
  cabName,
  fileStampRequest,
  loadManifest,
  type ManifestFile,
  manifestDate,
  outputLayout,
  outputTime,
  packageStampRequest,
  parseManifest,
  planCollect,
} from "cabwright";
import { platformProblem, sizeProblem } from "../builder/collect/plan.js";
import { parseSourceDateEpoch } from "../builder/pipeline/plan.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const seedManifest = `${repo}manifest/fse-sp2-hr2.yaml`;

const small = parseManifest(
  "m.yaml",
  `package:
  name: p
  title: T
  product: P
  version: 1.2.3.4
  company: C
  copyright: (c) C
files:
  - name: A.dll
    version: 1.2.3.4
    date: 2010-06-29
    time: "18:08"
    platform: x86
    size: 100
  - name: B.dll
    source: bin/*.dll
    version: 1.2.3.4
    date: 2010-06-29
    time: "18:08:30"
    platform: x64
`,
);
const pos = (i: number, field: keyof ManifestFile) => small.position(["files", i, field]);

test("collect plan: one match each is claimed; the rest of the drop is unclaimed, sorted", (t) => {
  const plan = planCollect(
    small.manifest.files,
    [["A.dll"], ["bin/b.dll"]],
    ["z.txt", "A.dll", "bin/b.dll", "a.pdb"],
    pos,
    "drop",
  );
  t.deepEqual(plan.problems, []);
  t.deepEqual(
    plan.claimed.map((c) => c.source),
    ["A.dll", "bin/b.dll"],
  );
  t.deepEqual(plan.unclaimed, ["a.pdb", "z.txt"]);
});

test("collect plan: a missing source and an ambiguous pattern are one line each, with line:column", (t) => {
  const plan = planCollect(
    small.manifest.files,
    [[], ["bin/c.dll", "bin/b.dll"]],
    ["bin/b.dll", "bin/c.dll"],
    pos,
    "drop",
  );
  t.is(plan.problems.length, 2);
  t.regex(
    plan.problems[0]!,
    /^m\.yaml:\d+:\d+ files\[0\] \(A\.dll\): source "A\.dll" matches no file in the drop drop; expected exactly one$/,
  );
  t.regex(
    plan.problems[1]!,
    /^m\.yaml:16:13 files\[1\] \(B\.dll\): source "bin\/\*\.dll" matches 2 files in the drop \(bin\/b\.dll, bin\/c\.dll\)/,
  );
  for (const p of plan.problems) t.false(p.includes("\n"));
});

test("platform and size problems name both values", (t) => {
  t.is(platformProblem("x", "x86", { isPe: true, platform: "x86" }), undefined);
  t.is(
    platformProblem("f", "x64", { isPe: true, platform: "x86" }),
    "f: platform is x64 in the manifest, but the file is a x86 PE",
  );
  t.is(
    platformProblem("f", "x86", { isPe: false }),
    "f: platform is x86 in the manifest, but the file is not a PE file",
  );
  t.is(platformProblem("f", "Not Applicable", { isPe: false }), undefined);
  t.is(sizeProblem("f", 100, 100, "stamped"), undefined);
  t.is(sizeProblem("f", undefined, 5, "stamped"), undefined);
  t.is(
    sizeProblem("f", 100, 104, "stamped"),
    "f: size is 100 bytes in the manifest, but the stamped file has 104 (+4)",
  );
});

test("dates are the manifest's UTC fields; seconds default to 0", (t) => {
  const [a, b] = small.manifest.files;
  t.is(manifestDate(a!).toISOString(), "2010-06-29T18:08:00.000Z");
  t.is(manifestDate(b!).toISOString(), "2010-06-29T18:08:30.000Z");
});

test("stamp requests carry the file and package versions and the package's strings", (t) => {
  const pkg = small.manifest.package;
  const r = fileStampRequest(pkg, small.manifest.files[0]!);
  t.is(r.fileVersion, "1.2.3.4");
  t.is(r.productVersion, "1.2.3.4");
  t.like(r.strings, {
    CompanyName: "C",
    LegalCopyright: "(c) C",
    ProductName: "P",
    OriginalFilename: "A.dll",
    InternalName: "A",
  });
  const p = packageStampRequest(pkg);
  t.like(p.strings, { FileDescription: "T", OriginalFilename: "p.exe", CompanyName: "C" });
});

test("cabinet names use backslashes; the layout is out/NAME/NAME.*", (t) => {
  t.is(cabName("x64/Fscperfmonitor.dll"), "x64\\Fscperfmonitor.dll");
  const l = outputLayout("out", "fse");
  t.deepEqual(
    [l.exe, l.cab, l.record, l.article],
    ["out/fse/fse.exe", "out/fse/fse.cab", "out/fse/fse.build.json", "out/fse/fse.html"],
  );
});

test("output time: SOURCE_DATE_EPOCH wins, else the manifest's latest date; never the clock", async (t) => {
  const { manifest } = await loadManifest(seedManifest);
  t.is(outputTime(manifest, undefined).toISOString(), "2010-07-14T15:31:00.000Z");
  t.is(outputTime(manifest, 1700000000).toISOString(), "2023-11-14T22:13:20.000Z");
  t.deepEqual(parseSourceDateEpoch("1700000000"), { epoch: 1700000000 });
  t.deepEqual(parseSourceDateEpoch(undefined), {});
  t.regex(parseSourceDateEpoch("yesterday").problem!, /expected whole seconds/);
});

test("collect plan: a source outside the drop is refused", (t) => {
  const f = small.manifest.files[0]!;
  for (const source of ["../A.dll", "/etc/A.dll", "bin/../../A.dll", "C:/A.dll"]) {
    const plan = planCollect([{ ...f, source }], [["A.dll"]], ["A.dll"], pos, "drop");
    t.is(plan.claimed.length, 0, source);
    t.regex(plan.problems[0]!, /expected a path inside the drop$/, source);
  }
});
