import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import {
  formatTable,
  importedRowsTsv,
  importKbTable,
  loadManifest,
  type Manifest,
  manifestTableRows,
  renderReport,
} from "cabwright";
import { main } from "../builder/cli/main.js";
import type { BuildRecord } from "../builder/pipeline/record.js";
import { tempDir } from "./helpers/peers.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const seedManifest = `${repo}manifest/fse-sp2-hr2.yaml`;

const digest = { size: 1, sha256: "0".repeat(64) };

/** A build record as `build` writes it, for the seed manifest, with one file re-stamped. */
function recordOf(manifest: Manifest, manifestPath: string): BuildRecord {
  return {
    schema: "cabwright.build-record/1",
    tool: {
      name: "cabwright",
      version: "0.1.0",
      compressor: { name: "zlib", version: "1" },
    },
    manifest: { path: manifestPath, sha256: "1".repeat(64) },
    package: manifest.package,
    files: manifest.files.map((f, i) => ({
      name: f.name,
      path: f.path,
      version: i === 0 ? "10.2.952.1" : f.version,
      size: f.size ?? 0,
      date: f.date,
      time: f.time,
      platform: f.platform,
      stamp: f.stamp,
      source: f.source,
      before: digest,
      after: digest,
      signed: false,
    })),
    cabinet: { ...digest, name: "fse-sp2-hr2.cab", compression: "mszip" },
    executable: {
      ...digest,
      name: "fse-sp2-hr2.exe",
      stub: { platform: "x86", sha256: "2".repeat(64) },
    },
  };
}

test("from a build record the table is what was built; the wording comes from the manifest", async (t) => {
  const { manifest } = await loadManifest(seedManifest);
  const record = recordOf(manifest, seedManifest);
  const txt = renderReport(record, "txt", { manifest });
  t.regex(txt, /Adonavigator\.dll +10\.2\.952\.1 +421,232/);
  t.regex(txt, /ISSUES THAT THIS PACKAGE FIXES/);
  const bare = renderReport(record, "md");
  t.notRegex(bare, /Issues that this package fixes/);
  t.regex(bare, /\| Adonavigator\.dll \| 10\.2\.952\.1 \| 421,232 \|/);
  const html = renderReport(record, "html");
  t.regex(
    html,
    /Written by cabwright from the build record \(cabwright 0\.1\.0; <code>fse-sp2-hr2\.exe<\/code> SHA-256 <code>0{64}<\/code>\)/,
  );
  const rows = importKbTable(html, "built.html").rows;
  t.is(rows.length, 64);
  t.is(rows[0]!.version, "10.2.952.1");
});

test("every article has the sections, the switches, the restart text and the UTC note", async (t) => {
  const { manifest } = await loadManifest(seedManifest);
  for (const format of ["html", "md", "txt"] as const) {
    const a = renderReport(manifest, format);
    for (const s of ["/quiet", "/passive", "/norestart", "/x:DIR", "/log:FILE", "/?"]) {
      t.true(a.includes(s), `${format} lists ${s}`);
    }
    t.regex(a, /Coordinated Universal Time \(UTC\)/);
    t.regex(a, /You do not have to restart the computer/);
    t.regex(a, /Service Pack 2 is installed/);
    t.regex(a, /Kaspersky/i);
  }
  t.is(
    importedRowsTsv(importKbTable(renderReport(manifest, "txt"), "a.txt").rows),
    formatTable(manifestTableRows(manifest), "tsv"),
  );
});

test("HTML escapes what the manifest says; text formats keep it as written", async (t) => {
  const { manifest } = await loadManifest(seedManifest);
  const hostile: Manifest = {
    ...manifest,
    summary: 'Fixes <script>alert("x")</script> & more',
  };
  const html = renderReport(hostile, "html");
  t.false(html.includes('<script>alert("x")</script>'));
  t.true(html.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more"));
  t.true(renderReport(hostile, "txt").includes('Fixes <script>alert("x")</script> & more'));
});

test("report reads a build record file and finds its manifest", async (t) => {
  const dir = await tempDir(t);
  const { manifest } = await loadManifest(seedManifest);
  const recordPath = join(dir, "fse-sp2-hr2.build.json");
  await writeFile(recordPath, JSON.stringify(recordOf(manifest, seedManifest)));
  const out = join(dir, "fse-sp2-hr2.txt");
  t.is(await main(["report", recordPath, "--format", "txt", "-o", out]), 0);
  const { readFile } = await import("node:fs/promises");
  const txt = await readFile(out, "utf8");
  t.regex(txt, /10\.2\.952\.1/);
  t.regex(txt, /ISSUES THAT THIS PACKAGE FIXES/);
});
