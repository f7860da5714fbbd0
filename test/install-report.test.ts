/**
 * The article from the install plan: the prerequisite sentence "The package checks this
 * before it changes anything" only when the package's engine does check it, "How to
 * install" with the engine's actions, "Restart requirement" and "Removal information",
 * in every format, from a manifest and from a build record.
 */
import { readFile } from "node:fs/promises";
import test from "ava";
import { compilePlan, loadManifest, type Manifest, parseManifest, renderReport } from "cabwright";
import { seedManifest } from "./helpers/demo-build.js";

const CHECKED = "The package checks this before it changes anything.";

/** The seed manifest without its install.product section (extract-only). */
async function withoutPlan(): Promise<Manifest> {
  const text = await readFile(seedManifest, "utf8");
  const start = text.indexOf("  product:\n    platform: x64");
  const end = text.indexOf("  steps:");
  return parseManifest("plain.yaml", text.slice(0, start) + text.slice(end)).manifest;
}

/** Text with line breaks, Markdown escapes and HTML entities taken out, to search sentences across wraps. */
const flat = (s: string, format = "txt") =>
  (format === "md" ? s.replace(/\\(.)/g, "$1") : s)
    .replace(/&quot;/g, '"')
    .replace(/&#x([0-9A-F]+);/gi, (_m, h) => String.fromCharCode(Number.parseInt(h, 16)))
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");

test("with an install plan, every format says what the package checks and does", async (t) => {
  const { manifest } = await loadManifest(seedManifest);
  for (const format of ["html", "md", "txt"] as const) {
    const a = flat(renderReport(manifest, format), format);
    t.true(a.includes(CHECKED), `${format}: the prerequisite sentence`);
    t.true(
      a.includes(
        'finding its install folder in the value "InstalledPath" of HKLM\\SOFTWARE\\Microsoft\\Forefront Server Security\\Exchange Server (32-bit view)',
      ),
      `${format}: the install folder`,
    );
    t.true(
      a.includes(
        "the file version of Fsccontroller.exe in that folder is 10.2.0.0 or later and earlier than 10.3.0.0",
      ),
      `${format}: the version check`,
    );
    t.true(a.includes("It stops the FSCController service, if running."), `${format}: stop`);
    t.true(a.includes("It starts the FSCController service again."), `${format}: start`);
    t.true(a.includes("It installs 64 files into the install folder."), `${format}: files`);
    t.true(a.includes("The 9 x64 files install only on 64-bit Windows."), `${format}: x64`);
    t.regex(a, /Removal information|REMOVAL INFORMATION/, `${format}: removal heading`);
    t.true(a.includes("fse-sp2-hr2.exe /uninstall /quiet"), `${format}: removal command`);
    t.true(
      a.includes(
        "Removal stops and restarts the FSCController service, restores every replaced file from the backup",
      ),
      `${format}: removal`,
    );
    t.true(a.includes("exits with 3010"), `${format}: in-use files`);
    for (const s of ["/uninstall", "/whatif", "/forcerestart", "/promptrestart", "/overwriteoem"]) {
      t.true(a.includes(s), `${format} lists ${s}`);
    }
    t.true(a.includes("0x80240017"), `${format}: not-applicable code`);
    t.true(a.includes("0x00240006"), `${format}: already-installed code`);
  }
  // The x64 count is the plan's, not a constant.
  const plan = compilePlan(manifest)!;
  t.is(plan.files.filter((f) => f.only64).length, 9);
});

test("without a plan, the article claims no check and says what removal means", async (t) => {
  const manifest = await withoutPlan();
  t.is(compilePlan(manifest), undefined);
  for (const format of ["html", "md", "txt"] as const) {
    const a = flat(renderReport(manifest, format), format);
    t.false(a.includes(CHECKED), `${format}: no check is claimed`);
    t.true(a.includes("Service Pack 2 is installed"), `${format}: the prerequisite still shows`);
    t.false(a.includes("/uninstall"), `${format}: no /uninstall switch`);
    t.true(
      a.includes("This package only extracts its files; it makes no change that needs removing."),
      `${format}: removal`,
    );
  }
});

test("from a build record, the plan recorded is the one described", async (t) => {
  const { manifest } = await loadManifest(seedManifest);
  const plan = compilePlan(manifest)!;
  const record = {
    schema: "cabwright.build-record/1" as const,
    tool: {
      name: "cabwright" as const,
      version: "0.1.0",
      compressor: { name: "zlib", version: "1" },
    },
    manifest: { path: seedManifest, sha256: "0".repeat(64) },
    package: manifest.package,
    files: [],
    cabinet: { name: "x.cab", compression: "mszip", size: 0, sha256: "0".repeat(64) },
    executable: {
      name: "fse-sp2-hr2.exe",
      size: 0,
      sha256: "0".repeat(64),
      stub: { platform: "x86", sha256: "0".repeat(64) },
    },
    install: {
      sha256: "0".repeat(64),
      summary: "",
      plan: { ...plan, services: [{ name: "FSEIMC", timeoutMs: 1000 }] },
    },
  };
  const a = flat(renderReport(record, "txt", { manifest }));
  t.true(a.includes(CHECKED));
  t.true(
    a.includes("It stops the FSEIMC service, if running."),
    "the record's plan, not the manifest's",
  );
  const { install: _, ...noPlan } = record;
  t.false(flat(renderReport(noPlan, "txt", { manifest })).includes(CHECKED));
});

test("the backup folder the article names is the engine's own (sfx-install.c)", async (t) => {
  const { BACKUP_ROOT } = await import("../builder/install/plan-format.js");
  const source = await readFile(
    new URL("../../templates/sfx/sfx-install.c", import.meta.url),
    "utf8",
  );
  const m = /#define BACKUP_ROOT L"([^"]+)"/.exec(source);
  t.is(m?.[1], BACKUP_ROOT);
  const { manifest } = await loadManifest(seedManifest);
  t.true(renderReport(manifest, "txt").includes(`%windir%\\${BACKUP_ROOT}\\fse-sp2-hr2`));
});
