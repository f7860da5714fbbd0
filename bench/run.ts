/**
 * `npm run bench [NAME...]`: runs each bench module in turn (or only those named) and
 * prints its figures against peers measured in the same run. Keep this file a list: each
 * area adds one line.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const benches: ReadonlyArray<readonly [string, () => Promise<void>]> = [
  ["cab-write", async () => (await import("./cab-write.js")).run()],
  ["cab-test", async () => (await import("./cab-test.js")).benchCabTest()],
  ["cab-small", async () => (await import("./cab-small.js")).run()],
  ["cab-curve", async () => (await import("./cab-curve.js")).run()],
  ["lzx", async () => (await import("./lzx.js")).benchLzx()],
  ["build", async () => (await import("./build.js")).run()],
  ["build-curve", async () => (await import("./build.js")).runCurve()],
  ["diff", async () => (await import("./diff.js")).run()],
  ["kb", async () => (await import("./kb.js")).run()],
  [
    "stamp",
    async () => {
      const { benchStamp, formatStampBench } = await import("./stamp.js");
      process.stdout.write(formatStampBench(await benchStamp()));
    },
  ],
];

const only = process.argv.slice(2);
const unknown = only.filter((n) => !benches.some(([name]) => name === n));
if (unknown.length > 0) {
  process.stderr.write(
    `bench: unknown bench ${unknown.join(", ")}; known: ${benches.map(([n]) => n).join(", ")}\n`,
  );
  process.exit(2);
}
const selected = benches.filter(([name]) => only.length === 0 || only.includes(name));
if (selected.length === 1) {
  const [name, run] = selected[0]!;
  process.stdout.write(`\n== ${name}\n`);
  await run();
} else {
  // Each bench in its own process, so its peak memory is its own, not its predecessors'.
  for (const [name] of selected) {
    // execArgv carries --conditions=cabwright-internal (the codec benches use the internals).
    const args = [...process.execArgv, fileURLToPath(import.meta.url), name];
    const r = spawnSync(process.execPath, args, {
      stdio: "inherit",
    });
    if (r.status !== 0) process.exitCode = r.status ?? 1;
  }
}
