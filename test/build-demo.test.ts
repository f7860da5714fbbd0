import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { loadManifest, minimalPe, planDemoDrop } from "cabwright";
import { filler, withOverlay, withVersionResource } from "../builder/demo/version-resource.js";
import { requirePefile, run, tempDir } from "./helpers/peers.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const seedManifest = `${repo}manifest/fse-sp2-hr2.yaml`;

test("the demo's minimal images are valid PE32/PE32+ for pefile, with machine, kind and version", async (t) => {
  const py = await requirePefile();
  const dir = await tempDir(t);
  const cases = [
    { arch: "x86", dll: true, machine: 0x14c, magic: 0x10b },
    { arch: "x86", dll: false, machine: 0x14c, magic: 0x10b },
    { arch: "x64", dll: true, machine: 0x8664, magic: 0x20b },
    { arch: "x64", dll: false, machine: 0x8664, magic: 0x20b },
  ] as const;
  for (const c of cases) {
    const image = withVersionResource(
      minimalPe({ arch: c.arch, dll: c.dll, timestamp: 1277834880 }),
      {
        version: "10.2.0.0",
        dll: c.dll,
        strings: { CompanyName: "Contoso" },
      },
    );
    const bytes = withOverlay(image, filler(777, "x"));
    const file = join(dir, `${c.arch}-${c.dll}`);
    await writeFile(file, bytes);
    const r = await run(py, [
      "-c",
      `import pefile,sys
pe=pefile.PE(sys.argv[1])
fi=pe.VS_FIXEDFILEINFO[0]
st=pe.FileInfo[0][0].StringTable[0].entries
print(pe.FILE_HEADER.Machine, pe.OPTIONAL_HEADER.Magic, pe.is_dll(), pe.FILE_HEADER.TimeDateStamp, fi.FileVersionMS>>16, fi.FileVersionMS&0xffff, st[b'CompanyName'].decode(), pe.get_overlay_data_start_offset(), len(pe.__data__))`,
      file,
    ]);
    t.is(r.code, 0, r.stderr);
    t.is(
      r.stdout.trim(),
      `${c.machine} ${c.magic} ${c.dll ? "True" : "False"} 1277834880 10 2 Contoso ${image.length} ${bytes.length}`,
    );
  }
});

test("the demo plan covers the seed's 64 rows: stamped PEs, one stored cabinet, two shipped as found", async (t) => {
  const { manifest } = await loadManifest(seedManifest);
  const plan = planDemoDrop(manifest);
  t.is(plan.length, 64);
  t.is(plan.filter((d) => d.kind === "cabinet").length, 1);
  const custom = plan.find((d) => d.source === "Custom64.dll")!;
  t.like(custom, { kind: "pe", arch: "x64", dll: true, size: 105672 });
  t.is(custom.version, undefined);
  t.is(custom.stamp, undefined);
  const upd = plan.find((d) => d.source === "Updspapi.dll")!;
  t.is(upd.version?.version, "6.3.16.0");
  t.is(upd.stamp, undefined);
  const sfx = plan.find((d) => d.source === "Sfxcab.exe")!;
  t.like(sfx, { arch: "x86", dll: false, size: 39424 });
  t.is(sfx.version?.version, "10.2.000.0");
  t.is(sfx.stamp?.fileVersion, "10.2.952.0");
  t.truthy(plan.find((d) => d.source === "x64/Fscperfmonitor.dll"));
  t.is(new Set(plan.map((d) => d.source.toLowerCase())).size, 64);
});

test("filler is deterministic per seed", (t) => {
  t.deepEqual(filler(1000, "a"), filler(1000, "a"));
  t.notDeepEqual(filler(1000, "a"), filler(1000, "b"));
});
