/**
 * The install plan through build, verify and diff: the demo package carries the plan
 * compilePlan makes from the bundled manifest (read back with the sfx stage's
 * readPackagePlan), the build record holds it, verify names each differing field of it,
 * and diff reports plan changes between manifests, packages and build records.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import {
  comparePlans,
  compilePlan,
  defaultToolkit,
  diffFiles,
  formatDiff,
  type InstallPlan,
  loadManifest,
  planDigest,
  readPackagePlan,
  verifyPackage,
} from "cabwright";
import { demoBuild, removeDemoBuild, repo, seedManifest } from "./helpers/demo-build.js";
import { run, tempDir } from "./helpers/peers.js";

test.after.always(removeDemoBuild);

const cli = join(repo, "dist", "builder", "cli", "main.js");

/** The seed manifest with its install section changed in three places. */
async function changedManifest(dir: string): Promise<string> {
  const text = await readFile(seedManifest, "utf8");
  const changed = text
    .replace(
      "  services:\n    - FSCController\n",
      "  services:\n    - FSCController\n    - FSEIMC\n",
    )
    .replace("      file: Fsccontroller.exe ", "      file: Fscutility.exe ")
    .replace(
      "  - name: Fscperfmonitor.dll\n    path: x64/Fscperfmonitor.dll\n",
      "  - name: Fscperfmonitor.dll\n    path: x64/Fscperfmonitor.dll\n    install: { dest: bin/Fscperfmonitor.dll, backup: false }\n",
    );
  if (changed.split("\n").length !== text.split("\n").length + 2) {
    throw new Error("the seed manifest's install section moved: update this test");
  }
  const m = join(dir, "changed.yaml");
  await writeFile(m, changed);
  return m;
}

test("the demo package carries compilePlan(manifest), and its record the same plan", async (t) => {
  const { result } = await demoBuild();
  const { manifest } = await loadManifest(seedManifest);
  const expected = compilePlan(manifest)!;
  const carried = readPackagePlan(result.layout.exe);
  // decodePlan writes an absent kb as `kb: undefined`; JSON drops it, as the record does.
  t.deepEqual(JSON.parse(JSON.stringify(carried)), expected);
  t.deepEqual(comparePlans(expected, carried), []);
  const record = JSON.parse(await readFile(result.layout.record, "utf8"));
  t.deepEqual(record.install.plan, expected);
  t.is(record.install.sha256, planDigest(expected));
  t.is(planDigest(carried as InstallPlan), planDigest(expected));
  t.regex(
    record.install.summary,
    /^installs 64 file\(s\) into the folder named by HKLM\\SOFTWARE\\Microsoft\\Forefront Server Security\\Exchange Server value "InstalledPath" \(32-bit view\)/,
  );
});

test("the demo command (npm run demo) builds a package whose plan reads back as compilePlan(manifest)", async (t) => {
  const dir = await tempDir(t);
  const r = await run(process.execPath, [
    cli,
    "demo",
    "--drop",
    join(dir, "drop"),
    "--out",
    join(dir, "out"),
  ]);
  t.is(r.code, 0, r.stderr);
  const { manifest } = await loadManifest(seedManifest);
  const carried = readPackagePlan(join(dir, "out", "fse-sp2-hr2", "fse-sp2-hr2.exe"));
  t.deepEqual(JSON.parse(JSON.stringify(carried)), compilePlan(manifest));
});

test("verify names each differing plan field in one line and exits 1", async (t) => {
  const { result } = await demoBuild();
  const dir = await tempDir(t);
  const m = await changedManifest(dir);
  const report = await verifyPackage(result.layout.exe, await loadManifest(m), defaultToolkit());
  t.deepEqual(report.mismatches, []);
  t.false(report.ok);
  t.deepEqual(
    report.plan.map((c) => [c.field, c.before, c.after]),
    [
      [
        "product.version",
        "the file version of Fscutility.exe in the install folder",
        "the file version of Fsccontroller.exe in the install folder",
      ],
      ["services", "FSCController (120000 ms), FSEIMC (120000 ms)", "FSCController (120000 ms)"],
      ["files[x64\\Fscperfmonitor.dll].dest", "bin\\Fscperfmonitor.dll", "x64\\Fscperfmonitor.dll"],
      ["files[x64\\Fscperfmonitor.dll].backup", "no", "yes"],
    ],
  );
  const v = await run(process.execPath, [cli, "verify", result.layout.exe, "--manifest", m]);
  t.is(v.code, 1, v.stderr);
  t.deepEqual(v.stdout.trimEnd().split("\n"), [
    "install plan: product.version: expected the file version of Fscutility.exe in the install folder, found the file version of Fsccontroller.exe in the install folder",
    "install plan: services: expected FSCController (120000 ms), FSEIMC (120000 ms), found FSCController (120000 ms)",
    "install plan: files[x64\\Fscperfmonitor.dll].dest: expected bin\\Fscperfmonitor.dll, found x64\\Fscperfmonitor.dll",
    "install plan: files[x64\\Fscperfmonitor.dll].backup: expected no, found yes",
    `${result.layout.exe}: 4 mismatch(es) with ${m}; every file's bytes match the build record ${result.layout.record}`,
  ]);
});

test("verify of a package without a plan against a manifest with one: one line", async (t) => {
  const { result } = await demoBuild();
  const dir = await tempDir(t);
  const text = await readFile(seedManifest, "utf8");
  const start = text.indexOf("  product:\n    platform: x64");
  const end = text.indexOf("  steps:");
  const without = join(dir, "plain.yaml");
  await writeFile(without, text.slice(0, start) + text.slice(end));
  const report = await verifyPackage(
    result.layout.exe,
    await loadManifest(without),
    defaultToolkit(),
  );
  t.is(report.plan.length, 1);
  t.is(report.plan[0]!.field, "plan");
  t.regex(report.plan[0]!.before!, /^none/);
  t.regex(report.plan[0]!.after!, /^installs 64 file\(s\)/);
});

test("diff reports plan changes: manifest vs manifest, package vs manifest, record vs record", async (t) => {
  const { result } = await demoBuild();
  const dir = await tempDir(t);
  const m = await changedManifest(dir);

  const mm = await diffFiles(seedManifest, m);
  t.deepEqual(
    mm.plan.map((c) => c.field),
    [
      "product.version",
      "services",
      "files[x64\\Fscperfmonitor.dll].dest",
      "files[x64\\Fscperfmonitor.dll].backup",
    ],
  );
  t.deepEqual(
    mm.findings.map((f) => [f.rule, f.path]),
    [["install-plan-changed", "(install plan)"]],
  );
  const text = formatDiff(mm, "text");
  t.regex(
    text,
    /^Install plan:\n {2}~ product\.version: the file version of Fsccontroller\.exe in the install folder -> the file version of Fscutility\.exe in the install folder$/m,
  );
  t.regex(text, /install plan: 4 field\(s\) changed/);
  t.regex(
    formatDiff(mm, "md"),
    /^\| services \| FSCController \(120000 ms\) \| FSCController \(120000 ms\), FSEIMC \(120000 ms\) \|$/m,
  );
  t.regex(formatDiff(mm, "html"), /<h2>Install plan<\/h2>/);

  // A package against its own manifest: the same plan, nothing reported.
  const same = await diffFiles(seedManifest, result.layout.exe);
  t.deepEqual(same.plan, []);
  t.deepEqual(
    same.findings.filter((f) => f.rule === "install-plan-changed"),
    [],
  );
  // A package against the changed manifest: the same four fields.
  const pm = await diffFiles(result.layout.exe, m);
  t.is(pm.plan.length, 4);

  // Record against record: the second record's plan edited, as a rebuild from the changed
  // manifest would record it.
  const record = JSON.parse(await readFile(result.layout.record, "utf8"));
  const { manifest } = await loadManifest(m);
  const edited = { ...record, install: { ...record.install, plan: compilePlan(manifest) } };
  const r2 = join(dir, "edited.build.json");
  await writeFile(r2, JSON.stringify(edited));
  const rr = await diffFiles(result.layout.record, r2);
  t.deepEqual(
    rr.plan.map((c) => c.field),
    mm.plan.map((c) => c.field),
  );

  // --fail-on install-plan-changed exits 1.
  const cmd = await run(process.execPath, [
    cli,
    "diff",
    seedManifest,
    m,
    "--fail-on",
    "install-plan-changed",
  ]);
  t.is(cmd.code, 1, cmd.stderr);
});

test("a damaged plan in a build record is one line naming the field", async (t) => {
  const { result } = await demoBuild();
  const dir = await tempDir(t);
  const record = JSON.parse(await readFile(result.layout.record, "utf8"));
  const bad = join(dir, "bad.build.json");
  await writeFile(
    bad,
    JSON.stringify({
      ...record,
      install: { ...record.install, plan: { ...record.install.plan, services: "FSCController" } },
    }),
  );
  const r = await run(process.execPath, [cli, "diff", result.layout.record, bad]);
  t.is(r.code, 2, r.stdout);
  t.regex(
    r.stderr,
    /^cabwright: .*bad\.build\.json: install\.plan: expected a plan a package can carry/,
  );
  t.false(r.stderr.includes("    at "), "no stack");
});

test("comparePlans: a file added or removed is one change; sources match without case", async (t) => {
  const { manifest } = await loadManifest(seedManifest);
  const a = compilePlan(manifest)!;
  const b: InstallPlan = {
    ...a,
    files: [
      ...a.files
        .slice(1)
        .map((f) =>
          f.source === "x64\\Fscperfmonitor.dll" ? { ...f, source: "X64\\FSCPERFMONITOR.DLL" } : f,
        ),
      { ...a.files[0]!, source: "New.dll", dest: "New.dll", isNew: true },
    ],
  };
  t.deepEqual(comparePlans(a, b), [
    { field: `files[${a.files[0]!.source}]`, before: "present" },
    { field: "files[New.dll]", after: "present" },
  ]);
  t.deepEqual(comparePlans(undefined, undefined), []);
});
