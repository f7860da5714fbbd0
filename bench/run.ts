/**
 * `npm run bench`: runs each bench module in turn and prints its figures. Keep this file a
 * list: each area adds one import and one line.
 */
import { benchStamp, formatStampBench } from "./stamp.js";

const benches: ReadonlyArray<readonly [string, () => Promise<string>]> = [
  ["stamp", async () => formatStampBench(await benchStamp())],
];

const only = process.argv.slice(2);
for (const [name, run] of benches) {
  if (only.length && !only.includes(name)) continue;
  process.stdout.write(await run());
}
