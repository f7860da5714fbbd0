/**
 * `npm run bench`: every bench module in turn. Each prints its figures against peers
 * measured in the same run. Add a line per bench module.
 */
import { benchCabTest } from "./cab-test.js";
import { run as benchDiff } from "./diff.js";

await benchCabTest();
await benchDiff();
