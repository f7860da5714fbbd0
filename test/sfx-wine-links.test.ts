/**
 * The stub under wine and links planted in its target folder (issue 11). Wine maps a Unix
 * symbolic link to a folder as a reparse point (FILE_ATTRIBUTE_REPARSE_POINT), and follows
 * one to a file without saying so: the stub must refuse the first (exit 13, nothing
 * written through it) and never open the second (the file takes the link's place).
 * Cabinets are made by gcab; the links are real, planted from the Linux side.
 */
import { existsSync } from "node:fs";
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import anyTest, { type TestFn } from "ava";
import { assembleSfx, SfxExitCode } from "../builder/sfx/index.js";
import { requirePeer, run, wineEnv, winePath } from "./helpers/peers.js";
import { gcabFrom } from "./helpers/sfx.js";

interface Ctx {
  dir: string;
  env: NodeJS.ProcessEnv;
  wine: string;
  exe: string;
}
const test = anyTest as TestFn<Ctx>;

const FILES: ReadonlyArray<readonly [string, string]> = [
  ["payload.txt", "from the package\r\n"],
  ["sub/inner.txt", "inner\r\n"],
];

test.before(async (t) => {
  const wine = requirePeer("wine");
  const dir = await mkdtemp(join(tmpdir(), "cabwright-sfx-links-"));
  const cab = join(dir, "files.cab");
  await gcabFrom(join(dir, "in"), cab, FILES);
  const exe = join(dir, "links.exe");
  await assembleSfx({ platform: "x64", cabinetPath: cab, outPath: exe });
  t.context = { dir, env: await wineEnv(), wine, exe };
});
test.after.always((t) => rm(t.context.dir, { recursive: true, force: true }));

/** Fresh folders under the test's folder. */
async function folders(t: { context: Ctx }, a: string, b: string): Promise<[string, string]> {
  const paths: [string, string] = [join(t.context.dir, a), join(t.context.dir, b)];
  for (const p of paths) await mkdir(p);
  return paths;
}

async function wine(t: { context: Ctx }, args: string[]) {
  return run(t.context.wine, args, { env: t.context.env, cwd: t.context.dir });
}

test.serial(
  "a folder link planted in the /x: folder is refused (13); nothing lands where it points",
  async (t) => {
    const [out, outside] = await folders(t, "x-out", "x-outside");
    await symlink(outside, join(out, "sub"));
    const r = await wine(t, [t.context.exe, `/x:${winePath(out)}`]);
    t.is(r.code, SfxExitCode.damaged, r.stderr);
    t.regex(r.stderr, /sub is a link or junction that this extraction did not create/);
    t.notRegex(r.stderr, /damaged/);
    t.deepEqual(await readdir(outside), []);
  },
);

test.serial(
  "file links planted in the folder are replaced; their targets are not written",
  async (t) => {
    const out = join(t.context.dir, "f-out");
    await mkdir(join(out, "sub"), { recursive: true });
    const victim = join(t.context.dir, "victim.txt");
    const roVictim = join(t.context.dir, "ro-victim.txt");
    await writeFile(victim, "precious\n");
    await writeFile(roVictim, "read-only precious\n");
    await chmod(roVictim, 0o444);
    await symlink(victim, join(out, "payload.txt"));
    await symlink(roVictim, join(out, "sub", "inner.txt"));
    const r = await wine(t, [t.context.exe, `/x:${winePath(out)}`]);
    t.is(r.code, 0, r.stderr);
    t.is(await readFile(victim, "utf8"), "precious\n");
    t.is(await readFile(roVictim, "utf8"), "read-only precious\n");
    t.is((await stat(roVictim)).mode & 0o777, 0o444, "the target's mode is untouched");
    for (const [name, data] of FILES) {
      t.false((await lstat(join(out, name))).isSymbolicLink(), name);
      t.is(await readFile(join(out, name), "utf8"), data, name);
    }
    t.deepEqual((await readdir(out)).sort(), ["payload.txt", "sub"], "no temporary file left");
  },
);

test.serial("a dangling file link is replaced, its target never created", async (t) => {
  const out = join(t.context.dir, "d-out");
  await mkdir(out);
  const absent = join(t.context.dir, "absent.dll");
  await symlink(absent, join(out, "payload.txt"));
  const r = await wine(t, [t.context.exe, `/x:${winePath(out)}`]);
  t.is(r.code, 0, r.stderr);
  t.false(existsSync(absent));
  t.is(await readFile(join(out, "payload.txt"), "utf8"), FILES[0]![1]);
});

test.serial(
  "no entry command: a planted link in place of the folder beside the package is refused",
  async (t) => {
    const [dir, outside] = await folders(t, "beside", "beside-outside");
    const exe = join(dir, "hotfix.exe");
    await writeFile(exe, await readFile(t.context.exe));
    await symlink(outside, join(dir, "hotfix"));
    const r = await wine(t, [exe, "/quiet"]);
    t.is(r.code, SfxExitCode.damaged, r.stderr);
    t.deepEqual(await readdir(outside), []);
  },
);

test.serial('a device name with a trailing space ("CON .txt") is refused (13)', async (t) => {
  const dir = join(t.context.dir, "device");
  const cab = join(dir, "dev.cab");
  await gcabFrom(join(dir, "in"), cab, [["CON .txt", "device\r\n"]]);
  const exe = join(dir, "dev.exe");
  await assembleSfx({ platform: "x64", cabinetPath: cab, outPath: exe });
  const out = join(dir, "out");
  const r = await wine(t, [exe, `/x:${winePath(out)}`]);
  t.is(r.code, SfxExitCode.damaged, r.stderr);
  t.regex(r.stderr, /would leave the extraction folder: CON \.txt/);
});
