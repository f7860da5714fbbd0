// examples/errors.ts: one CabError class, two kinds: the caller asked for something
// impossible (invalid-input), or the bytes are wrong (invalid-data), with where.
import { readFile, writeFile } from "node:fs/promises";
import { CabError, openCabinet, writeCabinet } from "@cabwright/cab";

const date = new Date(Date.UTC(2024, 0, 1));
try {
  await writeCabinet("bad.cab", [{ name: "../escape.txt", source: "notes.txt", size: 20, date }]);
} catch (err) {
  if (!(err instanceof CabError)) throw err;
  console.log(`${err.kind}: ${err.message}`);
}

const bytes = await readFile("hello.cab");
bytes[bytes.length - 100]! ^= 0xff; // damage the last data block
await writeFile("damaged.cab", bytes);
const cab = await openCabinet("damaged.cab");
try {
  const report = await cab.test();
  console.log(report.ok ? "passed" : `failed: ${report.errors[0]}`);
} finally {
  await cab.close();
}
