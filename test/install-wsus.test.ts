/**
 * Update-server applicability rules: the XML is well formed for an independent parser
 * (Python's xml.etree), and the rules say what the plan says. A small evaluator of the
 * Windows Update Agent's rule elements, written here in Python on that parser, runs the
 * rules over seeded random machines (product key present or not, install-path value,
 * Fsccontroller.exe's version near the range's bounds, the update's key) and must agree
 * with the plan: installed iff the update's key exists; installable iff the product is
 * there and its version is in the plan's intervals.
 */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import {
  applicabilityRules,
  compilePlan,
  type InstallPlan,
  loadManifest,
  parseManifest,
  versionInIntervals,
} from "cabwright";
import fc from "fast-check";
import { seedManifest } from "./helpers/demo-build.js";
import { run, tempDir } from "./helpers/peers.js";

const PYTHON = "/usr/bin/python3";

/** Evaluates IsInstalled and IsInstallable of a rules file on each machine of a JSON list. */
const EVALUATOR = String.raw`
import json, sys
import xml.etree.ElementTree as ET
BAR = "{http://schemas.microsoft.com/msus/2002/12/BaseApplicabilityRules}"
LAR = "{http://schemas.microsoft.com/msus/2002/12/LogicalApplicabilityRules}"
UPD = "{http://schemas.microsoft.com/msus/2002/12/Update}"
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == UPD + "ApplicabilityRules", root.tag
machines = json.load(open(sys.argv[2]))

def ver(s):
    return tuple(int(p) for p in s.split("."))

def cmp(have, comparison, want):
    h, w = ver(have), ver(want)
    return {"LessThan": h < w, "LessThanOrEqualTo": h <= w, "EqualTo": h == w,
            "GreaterThanOrEqualTo": h >= w, "GreaterThan": h > w}[comparison]

def key(m, e):
    assert e.get("Key") == "HKEY_LOCAL_MACHINE", e.get("Key")
    view = "32" if e.get("RegType32") == "true" else "64"
    return view + "|" + e.get("Subkey").lower()

def value(m, e):
    return m["values"].get(key(m, e) + "|" + e.get("Value").lower())

def file_at(m, folder, path):
    if folder is None:
        return None
    return m["files"].get((folder.rstrip("\\") + "\\" + path).lower())

def ev(m, e):
    t = e.tag
    if t == LAR + "And": return all(ev(m, c) for c in e)
    if t == LAR + "Or": return any(ev(m, c) for c in e)
    if t == LAR + "Not": return not ev(m, e[0])
    if t == BAR + "RegKeyExists": return key(m, e) in m["keys"]
    if t == BAR + "RegValueExists": return value(m, e) is not None
    if t == BAR + "RegSzToVersion":
        v = value(m, e)
        return v is not None and cmp(v, e.get("Comparison"), e.get("Data"))
    if t == BAR + "FileExistsPrependRegSz": return file_at(m, value(m, e), e.get("Path")) is not None
    if t == BAR + "FileVersionPrependRegSz":
        v = file_at(m, value(m, e), e.get("Path"))
        return v is not None and cmp(v, e.get("Comparison"), e.get("Version"))
    if t == BAR + "FileExists": return file_at(m, m["csidl"][e.get("Csidl")], e.get("Path")) is not None
    if t == BAR + "FileVersion":
        v = file_at(m, m["csidl"][e.get("Csidl")], e.get("Path"))
        return v is not None and cmp(v, e.get("Comparison"), e.get("Version"))
    raise Exception("unknown rule " + t)

def section(name):
    s = root.find(UPD + name)
    assert s is not None and len(s) == 1, name
    return s[0]

out = [[ev(m, section("IsInstalled")), ev(m, section("IsInstallable"))] for m in machines]
print(json.dumps(out))
`;

interface Machine {
  keys: string[];
  values: Record<string, string>;
  files: Record<string, string>;
  csidl: Record<string, string>;
}

const CSIDL = {
  "38": "C:\\Program Files",
  "42": "C:\\Program Files (x86)",
  "37": "C:\\Windows\\system32",
  "36": "C:\\Windows",
};
const FOLDER_OF: Record<string, string> = {
  ProgramFiles: CSIDL["38"],
  ProgramFilesX86: CSIDL["42"],
  System32: CSIDL["37"],
  Windows: CSIDL["36"],
};

const regId = (r: { view: string; key: string }) => `${r.view}|${r.key.toLowerCase()}`;

/** What the plan says of a machine: [installed, installable], computed from the plan alone. */
function expected(plan: InstallPlan, m: Machine): [boolean, boolean] {
  const installed = m.keys.includes(regId(plan.identity.productEntry));
  const { location, version, accept } = plan.product;
  let folder: string | undefined;
  let present = true;
  if (location.kind === "registry") {
    present = m.keys.includes(regId(location.ref));
    // A folder value may end in "\\": the file is still folder\\file.
    folder = m.values[`${regId(location.ref)}|${location.ref.value.toLowerCase()}`]?.replace(
      /\\$/,
      "",
    );
  } else {
    folder = `${FOLDER_OF[location.folder]}${location.path ? `\\${location.path}` : ""}`;
  }
  const have =
    version.kind === "registry"
      ? m.values[`${regId(version.ref)}|${version.ref.value.toLowerCase()}`]
      : folder !== undefined
        ? m.files[`${folder}\\${version.path}`.toLowerCase()]
        : undefined;
  const inRange = have !== undefined && (accept.length === 0 || versionInIntervals(have, accept));
  return [installed, present && inRange];
}

/** Seeded machines around a plan: each fact present or not, versions on and near the bounds. */
function machines(plan: InstallPlan, seed: number): Machine[] {
  const bounds = plan.product.accept
    .flatMap((iv) => [iv.min, iv.max])
    .filter((b) => b !== undefined);
  const near = (v: string) => {
    const p = v.split(".").map(Number);
    const out = [v];
    for (let i = 0; i < 4; i++) {
      for (const d of [-1, 1]) {
        const q = [...p];
        q[i] = Math.min(65535, Math.max(0, q[i]! + d));
        out.push(q.join("."));
      }
    }
    return out;
  };
  const versions = [
    ...new Set([...bounds.flatMap(near), "0.0.0.0", "65535.65535.65535.65535", "10.2.952.0"]),
  ];
  const { location, version } = plan.product;
  const arb = fc.record({
    entry: fc.boolean(),
    productKey: fc.boolean(),
    pathValue: fc.boolean(),
    file: fc.boolean(),
    version: fc.constantFrom(...versions),
    folder: fc.constantFrom(
      "C:\\Program Files (x86)\\Microsoft Forefront Security\\Exchange Server",
      "D:\\FSE\\",
    ),
  });
  return fc.sample(arb, { seed, numRuns: 200 }).map((r) => {
    const m: Machine = { keys: [], values: {}, files: {}, csidl: CSIDL };
    if (r.entry) m.keys.push(regId(plan.identity.productEntry));
    let folder: string | undefined;
    if (location.kind === "registry") {
      if (r.productKey) m.keys.push(regId(location.ref));
      if (r.productKey && r.pathValue) {
        m.values[`${regId(location.ref)}|${location.ref.value.toLowerCase()}`] = r.folder;
        folder = r.folder.replace(/\\$/, "");
      }
    } else {
      folder = `${FOLDER_OF[location.folder]}${location.path ? `\\${location.path}` : ""}`;
    }
    if (version.kind === "registry") {
      if (r.file) {
        m.keys.push(regId(version.ref));
        m.values[`${regId(version.ref)}|${version.ref.value.toLowerCase()}`] = r.version;
      }
    } else if (r.file && folder !== undefined) {
      m.files[`${folder}\\${version.path}`.toLowerCase()] = r.version;
    }
    return m;
  });
}

async function evaluate(t: import("ava").ExecutionContext, xml: string, ms: Machine[]) {
  if (!existsSync(PYTHON))
    throw new Error("test needs /usr/bin/python3: install the Debian package python3");
  const dir = await tempDir(t);
  const rules = join(dir, "rules.xml");
  const list = join(dir, "machines.json");
  const script = join(dir, "evaluate.py");
  await writeFile(rules, xml);
  await writeFile(list, JSON.stringify(ms));
  await writeFile(script, EVALUATOR);
  const r = await run(PYTHON, [script, rules, list]);
  if (r.code !== 0) throw new Error(`the evaluator failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as [boolean, boolean][];
}

const head = `package:
  name: widget-kb
  title: Widget Update
  product: Contoso Widget
  version: 2.1.0.0
  company: Contoso
  copyright: (c) Contoso
  kb: "2345678"
  prerequisite: { product: Contoso Widget, range: "RANGE" }
defaults: { version: 2.1.0.0, date: 2010-06-29, time: "18:08", platform: x86 }
files:
  - name: widget.dll
install:
  product:
`;

async function plans(): Promise<[string, InstallPlan][]> {
  const { manifest } = await loadManifest(seedManifest);
  const out: [string, InstallPlan][] = [["seed", compilePlan(manifest)!]];
  const variants: [string, string, string][] = [
    [
      "known folder, two intervals",
      "<1.0.0 || >=2.0.0 <2.5.0",
      "    location: { folder: ProgramFilesX86, path: Contoso/Widget }\n    version: { file: bin/widget.dll }\n",
    ],
    [
      "registry version, 64-bit view",
      ">1.2.3 <=2.9.9",
      "    location: { registry: 'HKLM\\SOFTWARE\\Contoso\\Widget', value: Path }\n    version: { registry: 'HKLM\\SOFTWARE\\Contoso\\Widget', value: Version }\n",
    ],
    ["any version", "*", "    location: { folder: Windows }\n    version: { file: widget.exe }\n"],
  ];
  for (const [label, range, body] of variants) {
    const m = parseManifest(`${label}.yaml`, head.replace("RANGE", range) + body).manifest;
    out.push([label, compilePlan(m)!]);
  }
  return out;
}

test("the rules are well formed and say what the plan says, on seeded machines", async (t) => {
  let seed = 0x5705;
  for (const [label, plan] of await plans()) {
    const xml = applicabilityRules(plan);
    const ms = machines(plan, seed++);
    const got = await evaluate(t, xml, ms);
    const want = ms.map((m) => expected(plan, m));
    t.deepEqual(got, want, label);
    // Both answers occur, so the comparison could fail either way.
    t.true(want.some(([, i]) => i) && want.some(([, i]) => !i), `${label}: installable both ways`);
    t.true(want.some(([i]) => i) && want.some(([i]) => !i), `${label}: installed both ways`);
  }
});

test("the seed's rules: FileVersionPrependRegSz on InstalledPath and RegKeyExists on the product key, 32-bit view", async (t) => {
  const { manifest } = await loadManifest(seedManifest);
  const xml = applicabilityRules(compilePlan(manifest)!);
  const key =
    'Key="HKEY_LOCAL_MACHINE" Subkey="SOFTWARE\\Microsoft\\Forefront Server Security\\Exchange Server" RegType32="true"';
  t.true(xml.includes(`<bar:RegKeyExists ${key} />`));
  t.true(
    xml.includes(
      `<bar:FileVersionPrependRegSz ${key} Value="InstalledPath" Path="Fsccontroller.exe" Comparison="GreaterThanOrEqualTo" Version="10.2.0.0" />`,
    ),
  );
  t.true(
    xml.includes(
      `<bar:FileVersionPrependRegSz ${key} Value="InstalledPath" Path="Fsccontroller.exe" Comparison="LessThan" Version="10.3.0.0" />`,
    ),
  );
  t.regex(
    xml,
    /<IsInstalled>\s*<bar:RegKeyExists Key="HKEY_LOCAL_MACHINE" Subkey="SOFTWARE\\Microsoft\\Forefront Server Security\\Exchange Server\\Updates\\fse-sp2-hr2" RegType32="true" \/>\s*<\/IsInstalled>/,
  );
});

test("CLI: rules of a manifest, and one line for a manifest without a plan", async (t) => {
  const cli = join(import.meta.dirname, "..", "builder", "cli", "main.js");
  const ok = await run(process.execPath, [cli, "rules", seedManifest]);
  t.is(ok.code, 0, ok.stderr);
  t.true(ok.stdout.startsWith('<?xml version="1.0" encoding="utf-8"?>'));
  const dir = await tempDir(t);
  const plain = join(dir, "plain.yaml");
  await writeFile(plain, `${head.replace("RANGE", "*").replace("install:\n  product:\n", "")}`);
  const r = await run(process.execPath, [cli, "rules", plain]);
  t.is(r.code, 2);
  t.regex(
    r.stderr,
    /^cabwright: .*plain\.yaml: has no install plan \(install\.product in the manifest\)/,
  );
});
