// examples/list.ts: what hello.cab holds, from its tables alone (nothing is decompressed).
import { openCabinet } from "@cabwright/cab";

const cab = await openCabinet("hello.cab");
try {
  for (const folder of cab.folders) console.log(`folder ${folder.index}: ${folder.compression}`);
  for (const f of cab.files) {
    const { year, month, day, hour, minute } = f.datetime;
    const when = `${year}-${month}-${day} ${hour}:${String(minute).padStart(2, "0")}`;
    console.log(`${f.name}  ${f.size} bytes  ${when}  folder ${f.folderIndex}`);
  }
} finally {
  await cab.close();
}
