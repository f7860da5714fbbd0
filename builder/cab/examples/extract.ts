// examples/extract.ts: every file under out/, each renamed into place only when complete.
import { readFile } from "node:fs/promises";
import { extractCabinet } from "@cabwright/cab";

const report = await extractCabinet("hello.cab", "out");
for (const f of report.files) console.log(`${f.name}: ${f.size} bytes`);
console.log(`out/notes.txt says: ${(await readFile("out/notes.txt", "utf8")).trim()}`);
