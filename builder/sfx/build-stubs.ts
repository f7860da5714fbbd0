/**
 * `npm run build:stubs`: compile templates/sfx/sfxstub.c for x86 and x64 and write the
 * shipped stubs and their record (digests, sizes, compiler) next to the source.
 * A test rebuilds them and checks the bytes are the same.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../util/fs.js";
import { SfxPlatform } from "./constants.js";
import { buildStub, STUB_FILES, STUB_RECORD_FILE, stubSourceDir } from "./stub.js";

export interface StubRecord {
  readonly file: string;
  readonly size: number;
  readonly sha256: string;
  readonly compiler: string;
}

async function main(): Promise<void> {
  const dir = stubSourceDir();
  const record: Record<string, StubRecord> = {};
  for (const platform of Object.values(SfxPlatform)) {
    const built = await buildStub(platform, dir);
    await writeFileAtomic(join(dir, STUB_FILES[platform]), built.bytes);
    record[platform] = {
      file: STUB_FILES[platform],
      size: built.bytes.length,
      sha256: built.sha256,
      compiler: built.compiler,
    };
    process.stdout.write(`${STUB_FILES[platform]}: ${built.bytes.length} bytes, ${built.sha256}\n`);
  }
  await writeFileAtomic(join(dir, STUB_RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`build:stubs: ${err.message}\n`);
  process.exitCode = 1;
});
