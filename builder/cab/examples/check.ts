// examples/check.ts: decode every block, checking every checksum and every file's size.
import { openCabinet } from "@cabwright/cab";

const cab = await openCabinet("hello.cab");
try {
  const report = await cab.test();
  for (const f of report.files) console.log(`${f.ok ? "OK  " : "FAIL"} ${f.name}`);
  console.log(`${report.blocks} blocks, ${report.checksumsVerified} checksums verified`);
} finally {
  await cab.close();
}
