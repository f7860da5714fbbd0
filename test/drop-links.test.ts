/**
 * Links in a build drop (issue 11): one rule for `build` and `init --from-drop`. A link
 * whose real target is inside the drop is followed; one that leads outside is refused by
 * build (exit 2, one line) unless its entry says `allowOutsideDrop: true`, and left out by
 * init with a warning. Real symbolic links; the shipped bytes are read back by cabextract.
 */
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { assertOneLine, cabwright, tinyManifest } from "./helpers/cli.js";
import { requirePeer, run, tempDir } from "./helpers/peers.js";

const MANIFEST = (files: string) => tinyManifest(files, "linked");

async function dropWithLinks(dir: string) {
  const drop = join(dir, "drop");
  const outside = join(dir, "outside");
  await mkdir(join(drop, "real"), { recursive: true });
  await mkdir(outside);
  await writeFile(join(drop, "real", "readme.txt"), "inside the drop\n");
  await writeFile(join(outside, "secret.txt"), "outside the drop\n");
  await symlink(join(outside, "secret.txt"), join(drop, "secret.txt"));
  await symlink(outside, join(drop, "shared"));
  await symlink(join("real", "readme.txt"), join(drop, "alias.txt"));
  await symlink("..", join(drop, "real", "up")); // a loop back to the drop
  return { drop, outside };
}

test("build refuses a source that is a link to outside the drop (a file or a folder link)", async (t) => {
  const dir = await tempDir(t);
  const { drop } = await dropWithLinks(dir);
  for (const [label, entry] of [
    ["file link", "  - name: secret.txt\n"],
    ["folder link", "  - name: secret.txt\n    source: shared/secret.txt\n"],
  ] as const) {
    const manifest = join(dir, "m.yaml");
    await writeFile(manifest, MANIFEST(entry));
    const r = await cabwright(["build", manifest, "--drop", drop, "--out", join(dir, "out")]);
    assertOneLine(
      t,
      r,
      /files\[0\] \(secret\.txt\): source ".*secret\.txt" is a link to .*outside\/secret\.txt, outside the drop .*; expected a file inside it \(set allowOutsideDrop: true/,
      label,
    );
  }
});

test("allowOutsideDrop ships the link's target; a link inside the drop is followed", async (t) => {
  const cabextract = requirePeer("cabextract");
  const dir = await tempDir(t);
  const { drop } = await dropWithLinks(dir);
  const manifest = join(dir, "m.yaml");
  await writeFile(
    manifest,
    MANIFEST(
      "  - name: secret.txt\n    allowOutsideDrop: true\n  - name: alias.txt\n  - name: readme.txt\n    path: real/readme.txt\n",
    ),
  );
  t.is((await cabwright(["check", manifest])).code, 0);
  const out = join(dir, "out");
  const r = await cabwright(["build", manifest, "--drop", drop, "--out", out]);
  t.is(r.code, 0, r.stderr);
  const x = join(dir, "x");
  const ex = await run(cabextract, ["-q", "-d", x, join(out, "linked", "linked.cab")]);
  t.is(ex.code, 0, ex.stderr);
  t.is(await readFile(join(x, "secret.txt"), "utf8"), "outside the drop\n");
  t.is(await readFile(join(x, "alias.txt"), "utf8"), "inside the drop\n");
});

test("check refuses an allowOutsideDrop that is not true or false", async (t) => {
  const dir = await tempDir(t);
  const manifest = join(dir, "m.yaml");
  await writeFile(manifest, MANIFEST('  - name: a.txt\n    allowOutsideDrop: "yes"\n'));
  assertOneLine(
    t,
    await cabwright(["check", manifest]),
    /files\[0\]\.allowOutsideDrop: "yes" is a string; expected true or false/,
  );
});

test("init --from-drop follows the same rule: outside links left out with a warning, no file twice", async (t) => {
  const dir = await tempDir(t);
  const { drop } = await dropWithLinks(dir);
  const r = await cabwright(["init", "--from-drop", drop]);
  t.is(r.code, 0, r.stderr);
  t.regex(
    r.stderr,
    /warning: .*secret\.txt is a link to .*outside\/secret\.txt, outside the drop: not listed/,
  );
  t.regex(r.stderr, /warning: .*shared\/secret\.txt is a link to .*outside/);
  const paths = [...r.stdout.matchAll(/^ {4}path: (.+)$/gm)].map((m) => m[1]);
  const names = [...r.stdout.matchAll(/^ {2}- name: (.+)$/gm)].map((m) => m[1]);
  t.deepEqual(names, ["readme.txt"], r.stdout);
  t.deepEqual(paths, ["real/readme.txt"], r.stdout);
});
