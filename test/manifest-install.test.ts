/**
 * The manifest's install section: what `check` accepts and refuses (one line per problem,
 * file:line:col field: what was expected), and compilePlan's plan for the bundled example.
 */
import { fileURLToPath } from "node:url";
import test from "ava";
import {
  compilePlan,
  destinationProblem,
  encodePlan,
  loadManifest,
  parseManifest,
  registryKeyProblem,
  serviceNameProblem,
} from "cabwright";
import { problemsOf } from "./helpers/manifest-problems.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));

const head = (pkgExtra = "") => `package:
  name: p
  title: Widget Update 1
  product: Contoso Widget
  version: 2.1.0.0
  company: Contoso
  copyright: (c) Contoso
  kb: "1234567"
  prerequisite: { product: Contoso Widget, description: Version 2, range: ">=2.0.0 <3.0.0" }
${pkgExtra}defaults:
  version: 2.1.0.0
  date: 2010-06-29
  time: "18:08"
  platform: x86
`;

const files = `files:
  - name: widget.dll
  - name: widget64.dll
    path: x64/widget64.dll
    platform: x64
`;

const product = `install:
  product:
    platform: x64
    location: { registry: 'HKLM\\SOFTWARE\\Contoso\\Widget', value: InstallPath, view: 32 }
    version: { file: widget.dll }
`;

test("a full install section loads and compiles", (t) => {
  const text = `${head()}${files.replace(
    "  - name: widget.dll\n",
    "  - name: widget.dll\n    install: { dest: bin/widget.dll, neverDowngrade: false, backup: false, new: true }\n",
  )}${product}  services: [WidgetSvc, { name: WidgetHelper, timeout: 30 }]
  processes: [widgetui.exe]
  update: { releaseType: Update, parentKey: "{GUID-OF-WIDGET}", helpLink: "https://contoso.example/kb/1234567" }
`;
  t.deepEqual(problemsOf(text), []);
  const plan = compilePlan(parseManifest("m.yaml", text).manifest)!;
  t.deepEqual(plan.product.location, {
    kind: "registry",
    ref: { root: "HKLM", view: "32", key: "SOFTWARE\\Contoso\\Widget", value: "InstallPath" },
  });
  t.deepEqual(plan.product.accept, [
    { min: "2.0.0.0", minInclusive: true, max: "3.0.0.0", maxInclusive: false },
  ]);
  t.is(plan.product.requirement, "Version 2 (>=2.0.0 <3.0.0)");
  t.true(plan.product.is64);
  t.deepEqual(plan.services, [
    { name: "WidgetSvc", timeoutMs: 120_000 },
    { name: "WidgetHelper", timeoutMs: 30_000 },
  ]);
  t.deepEqual(plan.processes, [{ image: "widgetui.exe", timeoutMs: 300_000 }]);
  t.deepEqual(plan.files, [
    {
      source: "widget.dll",
      dest: "bin\\widget.dll",
      version: "2.1.0.0",
      only64: false,
      noDowngrade: false,
      backup: false,
      isNew: true,
    },
    {
      source: "x64\\widget64.dll",
      dest: "x64\\widget64.dll",
      version: "2.1.0.0",
      only64: true,
      noDowngrade: true,
      backup: true,
      isNew: false,
    },
  ]);
  t.is(plan.identity.updateId, "KB1234567");
  t.deepEqual(plan.identity.productEntry, {
    root: "HKLM",
    view: "32",
    key: "SOFTWARE\\Contoso\\Widget\\Updates\\KB1234567",
    values: {
      PackageName: "p",
      PackageVersion: "2.1.0.0",
      Description: "Widget Update 1",
      Type: "Update",
    },
  });
  t.deepEqual(plan.identity.arp, {
    keyName: "KB1234567",
    values: {
      DisplayName: "Widget Update 1",
      DisplayVersion: "2.1.0.0",
      Publisher: "Contoso",
      ParentKeyName: "{GUID-OF-WIDGET}",
      ParentDisplayName: "Contoso Widget",
      ReleaseType: "Update",
      HelpLink: "https://contoso.example/kb/1234567",
      NoModify: 1,
      NoRepair: 1,
    },
  });
});

test("a known folder location, a registry version and the Windows Updates key by default", (t) => {
  const text = `${head()}${files.replace("    platform: x64\n", "    platform: x86\n")}install:
  product:
    location: { folder: ProgramFilesX86, path: Contoso/Widget }
    version: { registry: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\Widget', value: Version }
`;
  t.deepEqual(problemsOf(text), []);
  const plan = compilePlan(parseManifest("m.yaml", text).manifest)!;
  t.deepEqual(plan.product.location, {
    kind: "folder",
    folder: "ProgramFilesX86",
    path: "Contoso\\Widget",
  });
  t.deepEqual(plan.product.version, {
    kind: "registry",
    ref: { root: "HKLM", view: "64", key: "SOFTWARE\\Contoso\\Widget", value: "Version" },
  });
  t.false(plan.product.is64);
  t.is(plan.identity.productEntry.key, "SOFTWARE\\Microsoft\\Updates\\Contoso Widget\\KB1234567");
  t.is(plan.identity.productEntry.view, "64");
});

test("a manifest without install.product has no plan", async (t) => {
  const text = `${head()}${files}install:\n  steps: [Run it.]\n`;
  t.is(compilePlan(parseManifest("m.yaml", text).manifest), undefined);
  // and an entry command stays allowed there
  const entry = `${head("  entry: { command: widget.dll }\n")}${files}`;
  t.deepEqual(problemsOf(entry), []);
});

test("install section and entry command are exclusive; check says which to keep", (t) => {
  const text = `${head("  entry: { command: widget.dll }\n")}${files}${product}`;
  const problems = problemsOf(text);
  t.is(problems.length, 1, problems.join("\n"));
  t.regex(
    problems[0]!,
    /^m\.yaml:\d+:\d+ package\.entry: package\.entry and install\.product both/,
  );
  t.regex(problems[0]!, /keep install\.product .* or package\.entry/);
});

test("registry paths: root, separators, empty segments, lengths", (t) => {
  const bad: [string, RegExp][] = [
    ["HKCU\\Software\\X", /starts with "HKCU"; expected HKLM/],
    ["HKLM/SOFTWARE/X", /uses "\/"/],
    ["HKLM\\SOFTWARE\\\\X", /empty segment/],
    ["HKLM\\SOFTWARE\\X\\", /empty segment/],
    ["HKLM", /names only the root/],
    ["HKLM\\", /names only the root/],
    [`HKLM\\${"k".repeat(256)}`, /256 characters; a registry key name is at most 255/],
  ];
  for (const [path, why] of bad) t.regex(registryKeyProblem(path) ?? "", why, path);
  t.is(registryKeyProblem("HKLM\\SOFTWARE\\Microsoft\\Forefront Server Security"), undefined);
  t.is(registryKeyProblem("HKEY_LOCAL_MACHINE\\SOFTWARE\\X"), undefined);
  const problems = problemsOf(
    `${head()}${files}${product.replace("HKLM\\SOFTWARE\\Contoso\\Widget", "HKCU\\Software\\Widget")}`,
  );
  t.is(problems.length, 1);
  t.regex(
    problems[0]!,
    /^m\.yaml:23:27 install\.product\.location\.registry: "HKCU\\\\Software\\\\Widget" starts with "HKCU"/,
  );
});

test("a registry value name longer than an install plan carries is refused by check, not first by build", (t) => {
  const named = (n: number) =>
    `${head()}${files}${product.replace("value: InstallPath", `value: ${"v".repeat(n)}`)}`;
  t.deepEqual(problemsOf(named(4096)), []);
  t.notThrows(() => encodePlan(compilePlan(parseManifest("m.yaml", named(4096)).manifest)!));
  const problems = problemsOf(named(4097));
  t.is(problems.length, 1);
  t.regex(
    problems[0]!,
    /install\.product\.location\.value: is 4097 characters; a registry value name is at most 4096 \(the longest string an install plan carries\)/,
  );
});

test("service names: SCM limits and duplicates", (t) => {
  t.is(serviceNameProblem("FSCController"), undefined);
  t.regex(serviceNameProblem("a/b") ?? "", /"\/" or "\\"/);
  t.regex(serviceNameProblem("a\\b") ?? "", /"\/" or "\\"/);
  t.regex(
    serviceNameProblem("s".repeat(257)) ?? "",
    /257 characters; a service name is at most 256/,
  );
  t.is(serviceNameProblem("s".repeat(256)), undefined);
  const problems = problemsOf(`${head()}${files}${product}  services: [Svc, "Bad/Name", svc]\n`);
  t.is(problems.length, 2, problems.join("\n"));
  t.regex(problems[0]!, /^m\.yaml:25:19 install\.services\[1\]: "Bad\/Name" has a "\/"/);
  t.regex(
    problems[1]!,
    /install\.services\[2\]: "svc" is already install\.services\[0\] \(m\.yaml:25:/,
  );
});

test("destinations stay inside the install folder, one file each", (t) => {
  const bad: [string, RegExp][] = [
    ["../evil.dll", /has a "\.\." segment; expected a path inside the install folder/],
    ["C:/Windows/x.dll", /is absolute/],
    ["/x.dll", /is absolute/],
    ["bin\\x.dll", /uses "\\"/],
    ["bin/CON", /Windows device name/],
    ["nul.txt", /Windows device name/],
    ["bin//x.dll", /empty segment/],
  ];
  for (const [path, why] of bad) t.regex(destinationProblem(path) ?? "", why, path);
  t.is(destinationProblem("x64/Fscperfmonitor.dll"), undefined);
  t.is(destinationProblem("console.dll"), undefined);

  const clash = `${head()}${files.replace(
    "    platform: x64\n",
    "    platform: x64\n    install: { dest: WIDGET.DLL }\n",
  )}${product}`;
  const problems = problemsOf(clash);
  t.is(problems.length, 1, problems.join("\n"));
  t.regex(
    problems[0]!,
    /^m\.yaml:\d+:\d+ files\[1\]\.install\.dest: destination "WIDGET\.DLL" is already files\[0\]'s \(m\.yaml:\d+:\d+\); destinations are compared without case/,
  );
  const leaving = problemsOf(
    `${head()}${files.replace("    platform: x64\n", "    platform: x64\n    install: { dest: ../../x.dll }\n")}${product}`,
  );
  t.regex(leaving[0] ?? "", /files\[1\]\.install\.dest: "\.\.\/\.\.\/x\.dll" has a "\.\." segment/);
});

test("a prerequisite that can be read: a version source needs a range, a range must hold for some version", (t) => {
  const noPrereq = head().replace(/ {2}prerequisite:.*\n/, "");
  const p1 = problemsOf(`${noPrereq}${files}${product}`);
  t.is(p1.length, 1, p1.join("\n"));
  t.regex(p1[0]!, /install\.product\.version: .*package\.prerequisite gives no range/);
  const p2 = problemsOf(
    `${noPrereq}${files}install:\n  product:\n    location: { folder: Windows }\n`,
  );
  t.regex(p2.join("\n"), /install\.product\.version: missing; it is required in install\.product/);
  const empty = head().replace('range: ">=2.0.0 <3.0.0"', 'range: ">=3.0.0 <2.0.0"');
  const p3 = problemsOf(`${empty}${files}${product}`);
  t.is(p3.length, 1, p3.join("\n"));
  t.regex(p3[0]!, /package\.prerequisite\.range: ">=3\.0\.0 <2\.0\.0" holds for no version/);
  const huge = head().replace('range: ">=2.0.0 <3.0.0"', 'range: ">=70000.0.0"');
  t.regex(
    problemsOf(`${huge}${files}${product}`).join("\n"),
    /holds for no version with parts 0\.\.65535/,
  );
});

test("location and version name exactly one form, with its own keys", (t) => {
  const both = problemsOf(
    `${head()}${files}install:\n  product:\n    platform: x64\n    location: { registry: 'HKLM\\SOFTWARE\\W', value: P, folder: Windows }\n    version: { file: widget.dll }\n`,
  );
  t.regex(
    both.join("\n"),
    /install\.product\.location: has both registry and folder; expected registry and value/,
  );
  const noValue = problemsOf(
    `${head()}${files}install:\n  product:\n    platform: x64\n    location: { registry: 'HKLM\\SOFTWARE\\W' }\n    version: { file: widget.dll }\n`,
  );
  t.regex(noValue.join("\n"), /location\.registry: "HKLM\\\\SOFTWARE\\\\W" needs value/);
  const stray = problemsOf(
    `${head()}${files}install:\n  product:\n    platform: x64\n    location: { folder: Windows, view: 32 }\n    version: { file: widget.dll }\n`,
  );
  t.regex(stray.join("\n"), /location\.view: view goes with registry, not with folder/);
  const unknown = problemsOf(
    `${head()}${files}install:\n  product:\n    platform: x64\n    location: { folder: Desktop }\n    version: { file: widget.dll }\n`,
  );
  t.regex(
    unknown.join("\n"),
    /location\.folder: "Desktop" is not one of ProgramFiles, ProgramFilesX86, System32, Windows/,
  );
  const typo = problemsOf(`${head()}${files}${product}  servises: [X]\n`);
  t.regex(
    typo.join("\n"),
    /install\.servises: unknown key "servises" \(did you mean "services"\?\)/,
  );
});

test("x64 files need an x64 product; install keys need install.product", (t) => {
  const x86 = problemsOf(`${head()}${files}${product.replace("platform: x64", "platform: x86")}`);
  t.is(x86.length, 1, x86.join("\n"));
  t.regex(
    x86[0]!,
    /files\[1\]\.platform: files\[1\] \(widget64\.dll\) is x64, but install\.product\.platform is x86/,
  );
  const orphan = problemsOf(
    `${head()}${files.replace("  - name: widget.dll\n", "  - name: widget.dll\n    install: { new: true }\n")}install:\n  services: [S]\n`,
  );
  t.is(orphan.length, 2, orphan.join("\n"));
  t.regex(orphan.join("\n"), /files\[0\]\.install: files\[0\]\.install needs install\.product/);
  t.regex(orphan.join("\n"), /install\.services: install\.services needs install\.product/);
});

test("the bundled example installs into Forefront's real locations", async (t) => {
  const { manifest } = await loadManifest(`${repo}manifest/fse-sp2-hr2.yaml`);
  const plan = compilePlan(manifest)!;
  t.deepEqual(plan.product.location, {
    kind: "registry",
    ref: {
      root: "HKLM",
      view: "32",
      key: "SOFTWARE\\Microsoft\\Forefront Server Security\\Exchange Server",
      value: "InstalledPath",
    },
  });
  t.deepEqual(plan.product.version, { kind: "file", path: "Fsccontroller.exe" });
  t.deepEqual(plan.services, [{ name: "FSCController", timeoutMs: 120_000 }]);
  t.is(plan.files.length, 64);
  const perf = plan.files.find((f) => f.source === "x64\\Fscperfmonitor.dll");
  t.is(perf?.dest, "x64\\Fscperfmonitor.dll");
  t.true(perf?.only64);
  t.deepEqual(
    plan.files.filter((f) => f.only64).length,
    manifest.files.filter((f) => f.platform === "x64").length,
  );
  t.deepEqual(plan.product.accept, [
    { min: "10.2.0.0", minInclusive: true, max: "10.3.0.0", maxInclusive: false },
  ]);
});

test("CLI: check prints every install problem as file:line:col and exits 2; a JSON manifest works too", async (t) => {
  const { run, tempDir } = await import("./helpers/peers.js");
  const { writeFile } = await import("node:fs/promises");
  const { join } = await import("node:path");
  const cli = join(repo, "dist", "builder", "cli", "main.js");
  const dir = await tempDir(t);
  const bad = join(dir, "bad.yaml");
  await writeFile(
    bad,
    `${head("  entry: { command: widget.dll }\n")}${files}${product.replace("HKLM\\SOFTWARE", "HKLM\\\\SOFTWARE")}  services: ["a/b"]\n`,
  );
  const r = await run(process.execPath, [cli, "check", bad]);
  t.is(r.code, 2, r.stdout);
  const lines = r.stderr.trimEnd().split("\n");
  t.is(lines.length, 3, r.stderr);
  t.regex(
    lines[0]!,
    /^cabwright: .*bad\.yaml:10:10 package\.entry: package\.entry and install\.product both/,
  );
  t.regex(
    lines[1]!,
    /^cabwright: .*bad\.yaml:24:27 install\.product\.location\.registry: .* has an empty segment/,
  );
  t.regex(lines[2]!, /^cabwright: .*bad\.yaml:26:14 install\.services\[0\]: "a\/b" has a "\/"/);

  const json = join(dir, "m.json");
  const { manifest } = parseManifest("m.yaml", `${head()}${files}${product}`);
  await writeFile(
    json,
    JSON.stringify({
      package: { ...manifest.package, restart: undefined },
      defaults: { version: "2.1.0.0", date: "2010-06-29", time: "18:08", platform: "x86" },
      files: [
        { name: "widget.dll" },
        { name: "widget64.dll", path: "x64/widget64.dll", platform: "x64" },
      ],
      install: {
        product: {
          platform: "x64",
          location: {
            registry: "HKLM\\SOFTWARE\\Contoso\\Widget",
            value: "InstallPath",
            view: "32",
          },
          version: { file: "widget.dll" },
        },
      },
    }),
  );
  const ok = await run(process.execPath, [cli, "check", json]);
  t.is(ok.code, 0, ok.stderr);
  t.regex(
    ok.stdout,
    /: ok \(p, 2 files\)\ninstalls 2 file\(s\) into the folder named by HKLM\\SOFTWARE\\Contoso\\Widget value "InstallPath" \(32-bit view\) when the file version of widget\.dll in the install folder is \[2\.0\.0\.0, 3\.0\.0\.0\); update id KB1234567\n$/,
  );
});
