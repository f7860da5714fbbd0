// examples/stream.ts: 16 MiB in and out with bounded memory: the writer pulls the source
// as it compresses, and openFile streams one file's bytes as their blocks decode.
import { createHash } from "node:crypto";
import { openCabinet, writeCabinet } from "@cabwright/cab";

const size = 16 << 20;
async function* zeros() {
  for (let left = size; left > 0; left -= 1 << 20) yield new Uint8Array(Math.min(left, 1 << 20));
}
const date = new Date(Date.UTC(2024, 0, 1));
await writeCabinet("big.cab", [{ name: "zeros.bin", source: zeros, size, date }]); // MSZIP

const cab = await openCabinet("big.cab");
try {
  const hash = createHash("sha256");
  for await (const chunk of cab.openFile(cab.files[0]!)) hash.update(chunk);
  console.log(`zeros.bin: sha256 ${hash.digest("hex").slice(0, 16)}...`);
} finally {
  await cab.close();
}
