/**
 * The install plan in the package (issue 13, engine side): encodePlan/decodePlan round
 * trip, every truncation and refused field named by its byte offset, the version-2 package
 * header (every header byte's corruption detected), and assembleSfx/readPackagePlan.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import {
  assembleSfx,
  decodePlan,
  encodePlan,
  InputError,
  locateCabinet,
  readPackagePlan,
} from "../builder/index.js";
import type { InstallPlan } from "../builder/install/plan.js";
import { PLAN_MAGIC } from "../builder/install/plan-format.js";
import { SFX_HEADER_SIZE_V2, SFX_PLAN_FORMAT_VERSION } from "../builder/sfx/constants.js";
import {
  decodeSfxHeader,
  planSfxPrefix,
  prefixPayloadCrc,
  sealSfxPrefix,
} from "../builder/sfx/header.js";
import { rollupPlan, UPDATE_FILES } from "./helpers/install-product.js";
import { tempDir } from "./helpers/peers.js";
import { gcabFrom } from "./helpers/sfx.js";

/** JSON's view of a plan: an optional field given as undefined reads back absent. */
const plain = (p: InstallPlan) => JSON.parse(JSON.stringify(p)) as InstallPlan;

const folderPlan: InstallPlan = {
  ...rollupPlan({ is64: true }),
  product: {
    ...rollupPlan({ is64: true }).product,
    location: { kind: "folder", folder: "ProgramFilesX86", path: "Vendor\\Product" },
    accept: [],
  },
  package: { ...rollupPlan({ is64: true }).package, kb: undefined, restart: "may-be-required" },
};

test("encodePlan and decodePlan round-trip every field", (t) => {
  for (const plan of [
    rollupPlan({ is64: false }),
    rollupPlan({ is64: true, services: false }),
    folderPlan,
  ]) {
    const bytes = encodePlan(plan);
    t.deepEqual([...bytes.subarray(0, 4)], PLAN_MAGIC);
    t.deepEqual(decodePlan(bytes), plain(plan));
  }
});

test("every truncated plan is refused with the byte offset where it ends", (t) => {
  const bytes = encodePlan(rollupPlan({ is64: true }));
  for (let n = 0; n < bytes.length; n++) {
    const err = t.throws(() => decodePlan(bytes.subarray(0, n)), { instanceOf: InputError });
    t.regex(err!.message, /^install plan byte \d+: /, `length ${n}`);
  }
  const longer = new Uint8Array(bytes.length + 1);
  longer.set(bytes);
  t.throws(() => decodePlan(longer), {
    message: `install plan byte ${bytes.length}: 1 bytes after the plan's end`,
  });
});

test("decodePlan names what is wrong and where", (t) => {
  const bytes = encodePlan(rollupPlan({ is64: false }));
  const bad = (at: number, value: number) => {
    const b = bytes.slice();
    b[at] = value;
    return b;
  };
  t.throws(() => decodePlan(bad(0, 0x41)), {
    message: 'install plan byte 0: no plan signature "CWPL"',
  });
  t.throws(() => decodePlan(bad(4, 9)), { message: /^install plan byte 4: plan format version 9/ });
  const dest = Buffer.from(bytes).lastIndexOf(Buffer.from("core.dll", "utf16le"));
  t.throws(() => decodePlan(bad(dest, 0x01)), {
    message: /^install plan byte \d+: a control character/,
  });
});

test("encodePlan refuses what the engine would refuse, naming the field", (t) => {
  const base = rollupPlan({ is64: false });
  const withFile = (dest: string): InstallPlan => ({
    ...base,
    files: [{ ...base.files[0]!, dest }],
  });
  t.throws(() => encodePlan(withFile("..\\evil.dll")), {
    message: /file destination "\.\.\\evil\.dll": it has a "\.\." part/,
  });
  t.throws(() => encodePlan(withFile("C:\\evil.dll")), {
    message: /file destination "C:\\evil\.dll": "C:" holds a character/,
  });
  t.throws(() => encodePlan(withFile("a/b.dll")), {
    message: /file destination "a\/b\.dll": uses \/ \(expected \\\)/,
  });
  t.throws(() => encodePlan({ ...base, package: { ...base.package, version: "10.2" } }), {
    message:
      'install plan: package.version is "10.2"; expected a 4-part version a.b.c.d (each 0..65535)',
  });
  t.throws(() => encodePlan({ ...base, identity: { ...base.identity, updateId: "KB1\\x" } }), {
    message: /update id "KB1\\x": must be one name/,
  });
  t.throws(() => encodePlan({ ...base, services: [{ name: "svc", timeoutMs: -1 }] }), {
    message: "install plan: services[0].timeoutMs is -1; expected an integer 0..4294967295",
  });
});

test("the version-2 header carries the plan's size and CRC; any changed header byte is detected", (t) => {
  const plan = encodePlan(rollupPlan({ is64: false }));
  const prefix = planSfxPrefix(1000, undefined, plan);
  const sealed = sealSfxPrefix(prefix, prefixPayloadCrc(prefix));
  const header = decodeSfxHeader(sealed.subarray(0, SFX_HEADER_SIZE_V2));
  t.like(header, {
    headerSize: SFX_HEADER_SIZE_V2,
    cabinetSize: 1000,
    plan: { offset: SFX_HEADER_SIZE_V2, size: plan.length },
  });
  t.is(new DataView(sealed.buffer).getUint16(8, true), SFX_PLAN_FORMAT_VERSION);
  t.deepEqual(sealed.subarray(SFX_HEADER_SIZE_V2, SFX_HEADER_SIZE_V2 + plan.length), plan);
  for (let i = 0; i < SFX_HEADER_SIZE_V2; i++) {
    const bad = sealed.slice(0, SFX_HEADER_SIZE_V2);
    bad[i]! ^= 0x40;
    t.is(typeof decodeSfxHeader(bad), "string", `byte ${i}`);
  }
});

test("assembleSfx stores the plan; readPackagePlan reads it back and refuses a damaged one", async (t) => {
  const dir = await tempDir(t);
  const cab = join(dir, "rollup.cab");
  const names = UPDATE_FILES;
  await gcabFrom(
    join(dir, "in"),
    cab,
    names.map((n) => [n, `bytes of ${n}`] as const),
  );
  const plan = rollupPlan({ is64: true });
  const exe = join(dir, "rollup.exe");
  await assembleSfx({ platform: "x64", cabinetPath: cab, outPath: exe, plan });
  t.deepEqual(readPackagePlan(exe), plain(plan));
  t.deepEqual(readPackagePlan(new Uint8Array(await readFile(exe))), plain(plan));

  const bytes = new Uint8Array(await readFile(exe));
  const header = locateCabinet(bytes).header!;
  const at = header.offset + header.plan!.offset + 30;
  bytes[at]! ^= 1;
  const damaged = join(dir, "damaged.exe");
  await writeFile(damaged, bytes);
  t.throws(() => readPackagePlan(damaged), {
    message: `${damaged}: byte ${header.offset + header.plan!.offset}: the install plan's CRC-32 does not match`,
  });

  const plainExe = join(dir, "plain.exe");
  await assembleSfx({ platform: "x64", cabinetPath: cab, outPath: plainExe });
  t.is(readPackagePlan(plainExe), undefined, "a package without a plan");

  await t.throwsAsync(
    assembleSfx({
      platform: "x64",
      cabinetPath: cab,
      outPath: join(dir, "both.exe"),
      plan,
      entry: { command: "readme.txt", args: [] },
    }),
    { message: "package: an entry command and an install plan; a package has one or the other" },
  );
  const missing = {
    ...plan,
    files: [...plan.files, { ...plan.files[0]!, source: "absent.dll", dest: "absent.dll" }],
  };
  await t.throwsAsync(
    assembleSfx({
      platform: "x64",
      cabinetPath: cab,
      outPath: join(dir, "missing.exe"),
      plan: missing,
    }),
    {
      message: /the package install plan file "absent\.dll" is not among the cabinet's 6 files/,
    },
  );
});
