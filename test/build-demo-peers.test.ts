/**
 * What `build` publishes for the demo (the seed's 64 files; an x86 package), read by
 * programs that share no code with ours: cabextract, 7-Zip, gcab and Wine's extrac32
 * extract its cabinet, and the package extracts itself with /x: under 32-bit Wine, each to
 * exactly the staged bytes (the build record's digests of the files that went into the
 * cabinet). Each check is also shown to fail on a copy with one byte flipped: gcab 1.5's
 * `-t` only lists and extrac32 exits 0 on a checksum error, so exit codes alone prove
 * nothing and the bytes are compared.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { sha256, treeDigests } from "./helpers/cab-fixtures.js";
import { type CabPeer, extractTo } from "./helpers/cab-peers.js";
import { demoBuild, removeDemoBuild } from "./helpers/demo-build.js";
import { requirePeer, run, tempDir, wineEnv, winePath } from "./helpers/peers.js";

test.after.always(removeDemoBuild);

type Reader = CabPeer | "package";
const READERS: readonly Reader[] = ["cabextract", "7zz", "gcab", "wine", "package"];
const LABEL: Record<Reader, string> = {
  cabextract: "cabextract",
  "7zz": "7-Zip",
  gcab: "gcab -x",
  wine: "Wine's extrac32",
  package: "the x86 package under 32-bit Wine (/x:)",
};

/** Path -> SHA-256 of every staged file, as the build record lists them. */
async function staged(): Promise<Map<string, string>> {
  const { result } = await demoBuild();
  return new Map(result.record.files.map((f) => [f.path, f.after.sha256]));
}

/** Extract `input` with `reader` into `out`; every way it differs from `want`. */
async function problems(
  reader: Reader,
  input: string,
  out: string,
  want: Map<string, string>,
): Promise<string[]> {
  const r =
    reader === "package"
      ? await run(requirePeer("wine"), [input, "/quiet", `/x:${winePath(out)}`], {
          env: await wineEnv(),
        })
      : await extractTo(reader, input, out);
  const found: string[] = [];
  if (r.code !== 0) found.push(`exit ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
  const got = await treeDigests(out, sha256).catch(() => new Map<string, string>());
  for (const [path, digest] of want) {
    const g = got.get(path);
    if (g === undefined) found.push(`${path}: not extracted`);
    else if (g !== digest) found.push(`${path}: different bytes (sha256 ${g})`);
  }
  for (const path of got.keys()) if (!want.has(path)) found.push(`${path}: not in the package`);
  return found;
}

/** The published cabinet or package. */
async function published(reader: Reader): Promise<string> {
  const { result } = await demoBuild();
  return reader === "package" ? result.layout.exe : result.layout.cab;
}

for (const reader of READERS) {
  test(`${LABEL[reader]}: the demo's published ${reader === "package" ? "package" : "cabinet"} extracts to exactly the staged bytes`, async (t) => {
    const want = await staged();
    t.is(want.size, 64);
    t.is((await demoBuild()).result.record.executable.stub.platform, "x86", "the seed's platform");
    const dir = await tempDir(t);
    t.deepEqual(await problems(reader, await published(reader), join(dir, "out"), want), []);
  });

  test(`${LABEL[reader]}: the same check fails on a copy with one byte flipped`, async (t) => {
    const want = await staged();
    const dir = await tempDir(t);
    const bytes = Buffer.from(await readFile(await published(reader)));
    // 100 bytes from the end: the cabinet's last MSZIP data block (Updspapi.dll's end).
    bytes[bytes.length - 100]! ^= 0x20;
    const copy = join(dir, reader === "package" ? "damaged.exe" : "damaged.cab");
    await writeFile(copy, bytes);
    const found = await problems(reader, copy, join(dir, "out"), want);
    t.true(found.length > 0, "the check must see the damage");
    t.log(found.slice(0, 3).join("\n"));
  });
}
