// examples/create.ts: write hello.cab from bytes in memory and from a file on disk.
import { writeFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { writeCabinet } from "@cabwright/cab";

const text = new TextEncoder().encode("Hello, cabinet!\n".repeat(1000));
await writeFile("notes.txt", "written from a path\n");
const date = new Date(Date.UTC(2010, 5, 29, 18, 8)); // stored as given: UTC fields

const result = await writeCabinet(
  "hello.cab",
  [
    { name: "docs/hello.txt", source: () => Readable.from([text]), size: text.length, date },
    { name: "notes.txt", source: "notes.txt", size: 20, date },
  ],
  { compression: { type: "lzx", windowBits: 21 } },
);
console.log(`${result.cabinets[0]?.path}: ${result.fileCount} files, ${result.folderCount} folder`);
console.log(`${result.uncompressedBytes} bytes in, compressor ${result.compressor.name}`);
