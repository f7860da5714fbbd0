import { fileURLToPath } from "node:url";
import { dateToDosDateTime } from "@cabwright/cab";
import test from "ava";
import {
  compareWithManifest,
  formatMismatch,
  formatTable,
  loadManifest,
  manifestTableRows,
  type PackageEntry,
  packageTableRows,
} from "cabwright";
import fc from "fast-check";
import { dosFields } from "../builder/verify/read-package.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const seedManifest = `${repo}manifest/fse-sp2-hr2.yaml`;

/** The entries a perfect package of the manifest would read back as. */
async function perfect(): Promise<PackageEntry[]> {
  const { manifest } = await loadManifest(seedManifest);
  return manifest.files.map((f) => ({
    path: f.path,
    size: f.size!,
    date: f.date,
    time: f.time.length === 5 ? `${f.time}:00` : f.time,
    version: f.version,
    platform: f.platform,
  }));
}

test("a package that reads back as the manifest has no mismatch, and its table is the manifest's", async (t) => {
  const { manifest } = await loadManifest(seedManifest);
  const entries = await perfect();
  t.deepEqual(compareWithManifest(manifest, entries), []);
  t.is(
    formatTable(packageTableRows(entries), "tsv"),
    formatTable(manifestTableRows(manifest), "tsv"),
  );
  t.is(
    formatTable(packageTableRows(entries), "kb"),
    formatTable(manifestTableRows(manifest), "kb"),
  );
});

test("every field that differs is one mismatch: file, field, expected, found", async (t) => {
  const { manifest } = await loadManifest(seedManifest);
  const entries = await perfect();
  entries[0] = { ...entries[0]!, version: "10.2.951.0", size: 421233 };
  entries[1] = { ...entries[1]!, time: "18:14:00", platform: "x86" };
  entries[2] = { ...entries[2]!, path: "adonavsvc.exe" };
  entries[3] = { ...entries[3]!, readError: "CFDATA checksum mismatch in block 3" };
  entries.splice(5, 1);
  entries.push({ ...entries[0]!, path: "extra.dll" });
  const m = compareWithManifest(manifest, entries);
  t.deepEqual(m.map(formatMismatch), [
    "Adonavigator.dll: version: expected 10.2.952.0, found 10.2.951.0",
    "Adonavigator.dll: size: expected 421232, found 421233",
    "Adonavigator64.dll: time: expected 18:13:00, found 18:14:00",
    "Adonavigator64.dll: platform: expected x64, found x86",
    "adonavsvc.exe: name: expected Adonavsvc.exe, found adonavsvc.exe",
    "adonavsvc.exe: path: expected Adonavsvc.exe, found adonavsvc.exe",
    "Aexmladapter.dll: data: expected intact, found CFDATA checksum mismatch in block 3",
    "Customuninstall.dll: presence: expected present, found absent",
    "extra.dll: presence: expected absent, found present",
  ]);
});

test("DOS fields decode to the manifest's date and time forms", (t) => {
  const dt = dateToDosDateTime(new Date("2010-06-29T18:08:00Z"));
  t.deepEqual(dosFields(dt.date, dt.time), { date: "2010-06-29", time: "18:08:00" });
  const odd = dateToDosDateTime(new Date("2018-01-06T15:19:42Z"));
  t.deepEqual(dosFields(odd.date, odd.time), { date: "2018-01-06", time: "15:19:42" });
});

test("property (seeded): each perturbed field is exactly one mismatch, nothing else is reported", async (t) => {
  const { manifest } = await loadManifest(seedManifest);
  const base = await perfect();
  const fields = ["version", "size", "date", "time", "platform"] as const;
  const change: Record<(typeof fields)[number], (e: PackageEntry) => PackageEntry> = {
    version: (e) => ({ ...e, version: "9.9.9.9" }),
    size: (e) => ({ ...e, size: e.size + 1 }),
    date: (e) => ({ ...e, date: "1999-12-31" }),
    time: (e) => ({ ...e, time: "23:59:58" }),
    platform: (e) => ({ ...e, platform: e.platform === "x64" ? "x86" : "x64" }),
  };
  fc.assert(
    fc.property(
      fc.uniqueArray(
        fc.tuple(fc.integer({ min: 0, max: base.length - 1 }), fc.constantFrom(...fields)),
        { selector: ([i, f]) => `${i}:${f}`, maxLength: 20 },
      ),
      (edits) => {
        const entries = [...base];
        for (const [i, f] of edits) entries[i] = change[f](entries[i]!);
        const got = compareWithManifest(manifest, entries)
          .map((m) => `${m.path}|${m.field}`)
          .sort();
        const want = edits.map(([i, f]) => `${base[i]!.path}|${f}`).sort();
        return JSON.stringify(got) === JSON.stringify(want);
      },
    ),
    { seed: 20100629, numRuns: 200 },
  );
  t.pass();
});
