/**
 * Property: whatever is done to a good cabinet (truncated, bytes flipped, header and table
 * fields overwritten), reading it ends in a CabError or a correct read: never another
 * exception, never a hang, never a file outside the target folder.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { CabError, type Cabinet, extractCabinet, openCabinet } from "@cabwright/cab";
import test from "ava";
import fc from "fast-check";
import { requirePeer, run, tempDir } from "../../../test/helpers/peers.js";

const repo = fileURLToPath(new URL("../../../../", import.meta.url));
const corpus = join(repo, "builder/cab/test/fixtures/libmspack");

type Mutation =
  | { kind: "truncate"; at: number }
  | { kind: "bytes"; edits: { at: number; value: number }[] }
  | { kind: "field"; at: number; width: 2 | 4; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("bytes" as const),
    edits: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), {
      minLength: 1,
      maxLength: 8,
    }),
  }),
  // Header, folder and file fields live in the first ~120 bytes: aim there.
  fc.record({
    kind: fc.constant("field" as const),
    at: fc.integer({ min: 0, max: 120 }),
    width: fc.constantFrom(2 as const, 4 as const),
    value: fc.oneof(
      fc.constantFrom(0, 1, 0xffff, 0xfffe, 0xfffd, 0x7fffffff, 0xffffffff),
      fc.nat(),
    ),
  }),
);

function apply(good: Buffer, m: Mutation): Buffer {
  if (m.kind === "truncate") return good.subarray(0, m.at % good.length);
  const b = Buffer.from(good);
  if (m.kind === "bytes") {
    for (const e of m.edits) b[e.at % b.length] = e.value;
  } else if (m.at + m.width <= b.length) {
    if (m.width === 2) b.writeUInt16LE(m.value & 0xffff, m.at);
    else b.writeUInt32LE(m.value >>> 0, m.at);
  }
  return b;
}

interface Known {
  readonly key: string;
  readonly md5: string;
}

async function contents(cab: Cabinet): Promise<Known[]> {
  const out: Known[] = [];
  for (const e of cab.files) {
    const h = createHash("md5");
    let n = 0;
    for await (const c of cab.openFile(e)) {
      h.update(c as Buffer);
      n += (c as Buffer).length;
    }
    if (n !== e.size) throw new Error(`read ${n} bytes of "${e.name}", expected ${e.size}`);
    out.push({
      key: `${e.storedName}|${e.size}|${e.folderIndex}|${e.offsetInFolder}|${cab.folders[e.folderIndex]!.typeCompress}`,
      md5: h.digest("hex"),
    });
  }
  return out;
}

test("mutated and truncated cabinets: a CabError or a correct read, nothing else", async (t) => {
  const gcab = requirePeer("gcab");
  const dir = await tempDir(t);
  const src = join(dir, "src");
  await mkdir(src);
  await writeFile(join(src, "a.txt"), "cabinet fuzzing ".repeat(6000));
  await writeFile(join(src, "b.bin"), randomBytes(40000));
  t.is((await run(gcab, ["-c", "-z", join(dir, "g.cab"), "a.txt", "b.bin"], { cwd: src })).code, 0);
  const seeds: Buffer[] = [await readFile(join(dir, "g.cab"))];
  for (const name of ["simple.cab", "reserve_HFD.cab", "dir.cab", "normal_2files_2folders.cab"]) {
    seeds.push(await readFile(join(corpus, name)));
  }
  const originals: Map<string, string>[] = [];
  for (const [i, s] of seeds.entries()) {
    const p = join(dir, `seed${i}.cab`);
    await writeFile(p, s);
    const cab = await openCabinet(p);
    const known = new Map<string, string>();
    for (const e of cab.files) {
      try {
        for (const k of await contents({ ...cab, files: [e] } as Cabinet)) known.set(k.key, k.md5);
      } catch {}
    }
    originals.push(known);
    await cab.close();
  }

  const target = join(dir, "case.cab");
  const outRoot = join(dir, "out");
  let cabErrors = 0;
  let reads = 0;
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: seeds.length - 1 }), mutation, async (seed, m) => {
      await writeFile(target, apply(seeds[seed]!, m));
      try {
        const cab = await openCabinet(target);
        try {
          const report = await cab.test();
          if (report.ok) {
            // Without checksums a changed data byte cannot be noticed: compare only when
            // every block carries one.
            const checked = report.checksumsAbsent === 0;
            for (const k of await contents(cab)) {
              if (!checked) continue;
              const want = originals[seed]!.get(k.key);
              if (want !== undefined && want !== k.md5) throw new Error(`wrong bytes for ${k.key}`);
            }
            reads++;
          } else cabErrors++;
        } finally {
          await cab.close();
        }
        await rm(outRoot, { recursive: true, force: true });
        const rep = await extractCabinet(target, join(outRoot, "in"));
        for (const f of rep.files) {
          if (relative(join(outRoot, "in"), f.path).startsWith(".."))
            throw new Error(`escaped: ${f.path}`);
        }
        const top = await readdir(outRoot);
        if (top.length !== 1 || top[0] !== "in") throw new Error(`wrote beside the target: ${top}`);
      } catch (err) {
        if (!(err instanceof CabError)) throw err;
        if (err.message.includes("\n")) throw new Error(`multi-line message: ${err.message}`);
        cabErrors++;
      }
    }),
    { seed: 0x5eed_cab, numRuns: 600 },
  );
  t.log(`${reads} correct reads, ${cabErrors} CabErrors`);
  t.true(cabErrors > 0 && reads > 0);
});
