/**
 * Checking a cabinet with readers that share no code with our writer: cabextract
 * (libmspack), 7-Zip, gcab and Wine's cabinet.dll (FDI, through extrac32).
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { ExecutionContext } from "ava";
import { treeDigests } from "./cab-fixtures.js";
import { type RunResult, requirePeer, run, wineEnv, winePath } from "./peers.js";

export type CabPeer = "cabextract" | "7zz" | "gcab" | "wine";
export const ALL_CAB_PEERS: readonly CabPeer[] = ["cabextract", "7zz", "gcab", "wine"];

/**
 * Each peer's own integrity test passes (exit 0). Wine's extrac32 has none, and gcab 1.5's
 * `-t` is `--list` (exit 0 on a corrupt cabinet): for those only extractWith's byte
 * comparison counts.
 */
export async function testWith(t: ExecutionContext, peer: CabPeer, cab: string): Promise<void> {
  const r =
    peer === "cabextract"
      ? await run(requirePeer("cabextract"), ["-t", cab])
      : peer === "7zz"
        ? await run(requirePeer("7zz"), ["t", cab])
        : undefined;
  if (!r) return;
  t.is(r.code, 0, `${peer} test of ${cab} failed:\n${r.stdout}\n${r.stderr}`);
  if (peer === "cabextract") t.regex(r.stdout, /All done, no errors/);
}

/** Extract with a peer into a fresh folder under `work`; returns name -> md5. */
export async function extractWith(
  t: ExecutionContext,
  peer: CabPeer,
  cab: string,
  work: string,
): Promise<Map<string, string>> {
  const out = join(work, `x-${peer}`);
  const r = await extractTo(peer, cab, out);
  t.is(r.code, 0, `${peer} extraction of ${cab} failed:\n${r.stdout}\n${r.stderr}`);
  return treeDigests(out);
}

/** Extract every file of `cab` with a peer into `out` (made if missing). */
export async function extractTo(peer: CabPeer, cab: string, out: string): Promise<RunResult> {
  await mkdir(out, { recursive: true });
  return peer === "cabextract"
    ? run(requirePeer("cabextract"), ["-q", "-d", out, cab])
    : peer === "7zz"
      ? run(requirePeer("7zz"), ["x", `-o${out}`, "-y", cab])
      : peer === "gcab"
        ? run(requirePeer("gcab"), ["-x", "-C", out, cab])
        : run(requirePeer("wine"), ["extrac32", "/E", "/L", winePath(out), winePath(cab)], {
            env: await wineEnv(),
          });
}

/**
 * Compare an extracted tree with the expected one. Wine's extrac32 creates names in the
 * ANSI code page, ignoring the UTF-8 name flag, so for Wine only ASCII names are compared
 * by name (the others by count and content).
 */
export function sameTree(
  t: ExecutionContext,
  peer: CabPeer,
  got: Map<string, string>,
  want: Map<string, string>,
): void {
  if (peer !== "wine") {
    t.deepEqual(sortedEntries(got), sortedEntries(want), `${peer} extracted different files`);
    return;
  }
  const ascii = (m: Map<string, string>) =>
    sortedEntries(m).filter(([name]) => /^[\x20-\x7e]*$/.test(name));
  t.deepEqual(ascii(got), ascii(want), "wine extracted different files");
  t.deepEqual(
    [...got.values()].sort(),
    [...want.values()].sort(),
    "wine extracted different contents",
  );
}

function sortedEntries(m: Map<string, string>): [string, string][] {
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Every peer tests and extracts `cab` to exactly `want`. */
export async function checkWithPeers(
  t: ExecutionContext,
  cab: string,
  want: Map<string, string>,
  work: string,
  peers: readonly CabPeer[] = ALL_CAB_PEERS,
): Promise<void> {
  for (const peer of peers) {
    await testWith(t, peer, cab);
    sameTree(t, peer, await extractWith(t, peer, cab, work), want);
  }
}

/**
 * A cabinet set: cabextract and 7-Zip test and extract it from its first cabinet (they
 * follow the set); Wine's FDI extracts each cabinet in turn (as FDICopy is called once
 * per cabinet), and the union must be the whole set. gcab does not read sets.
 */
export async function checkSetWithPeers(
  t: ExecutionContext,
  cabs: readonly string[],
  want: Map<string, string>,
  work: string,
): Promise<void> {
  const first = cabs[0]!;
  for (const peer of ["cabextract", "7zz"] as const) {
    await testWith(t, peer, first);
    sameTree(t, peer, await extractWith(t, peer, first, work), want);
  }
  const out = join(work, "x-wine-set");
  await mkdir(out, { recursive: true });
  const env = await wineEnv();
  for (const cab of cabs) {
    const r = await run(
      requirePeer("wine"),
      ["extrac32", "/E", "/L", winePath(out), winePath(cab)],
      {
        env,
      },
    );
    t.is(r.code, 0, `wine extrac32 of ${cab} failed:\n${r.stdout}\n${r.stderr}`);
  }
  sameTree(t, "wine", await treeDigests(out), want);
}
