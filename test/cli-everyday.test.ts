/**
 * The release engineer's everyday CLI (issue 16): `cab list|test|extract` open a package as
 * `table` does, a pipe closed early ends quietly, `--json` with `--format` is refused,
 * `verify` without `--manifest` checks against the build record, and `init --from-drop`
 * writes what `build` then checks.
 */
import { spawn } from "node:child_process";
import { access, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test, { type ExecutionContext } from "ava";
import { build, minimalPe } from "cabwright";
import { assertOneLine, cabwright, cliPath, seedManifest } from "./helpers/cli.js";
import { requirePeer, run, tempDir } from "./helpers/peers.js";
import { SMALL_FILES, smallCase } from "./helpers/small-build.js";

async function smallPackage(t: ExecutionContext) {
  const c = await smallCase(await tempDir(t));
  const r = await build({ manifest: c.manifest, drop: c.drop, out: c.out });
  return { c, r };
}

test("cab list, test and extract find a package's cabinet without --search", async (t) => {
  const { r } = await smallPackage(t);
  const exe = r.layout.exe;
  const list = await cabwright(["cab", "list", exe]);
  t.is(list.code, 0, list.stderr);
  for (const name of SMALL_FILES)
    t.regex(list.stdout, new RegExp(`  ${name.replace(".", "\\.")}\n`));
  t.regex(list.stdout, /3 files in 1 folders\n$/);
  const json = await cabwright(["cab", "list", exe, "--json"]);
  t.is(json.code, 0, json.stderr);
  // The offset is where the package header puts the cabinet (what `locate` prints).
  const located = JSON.parse((await cabwright(["locate", exe, "--json"])).stdout) as {
    offset: number;
  };
  t.is((JSON.parse(json.stdout) as { offset: number }).offset, located.offset);
  t.true(located.offset > 0);

  const tested = await cabwright(["cab", "test", exe]);
  t.is(tested.code, 0, tested.stderr);
  t.regex(tested.stdout, /: ok \(3 files, 1 folders/);

  // Extracted from the .exe: the same bytes cabextract (a peer) takes out of the .cab.
  const ours = await tempDir(t);
  const extracted = await cabwright(["cab", "extract", exe, "-C", ours]);
  t.is(extracted.code, 0, extracted.stderr);
  const peer = await tempDir(t);
  const cx = await run(requirePeer("cabextract"), ["-q", "-d", peer, r.layout.cab]);
  t.is(cx.code, 0, cx.stderr);
  t.deepEqual((await readdir(ours)).sort(), [...SMALL_FILES].sort());
  for (const name of SMALL_FILES) {
    t.true(
      (await readFile(join(ours, name))).equals(await readFile(join(peer, name))),
      `${name}: same bytes as cabextract's`,
    );
  }

  // --offset and --search still rule when given.
  const at = await cabwright(["cab", "list", exe, "--offset", String(located.offset), "--json"]);
  t.is(at.code, 0, at.stderr);
  const searched = await cabwright(["cab", "list", exe, "--search", "--json"]);
  t.is(searched.code, 0, searched.stderr);
  t.is((JSON.parse(searched.stdout) as { offset: number }).offset, located.offset);
});

test("cab list of a program that holds no cabinet: one line, exit 2", async (t) => {
  const dir = await tempDir(t);
  const exe = join(dir, "plain.exe");
  await writeFile(exe, minimalPe({ arch: "x86", dll: false, timestamp: 0 }));
  for (const cmd of ["list", "test"]) {
    assertOneLine(t, await cabwright(["cab", cmd, exe]), /plain\.exe: no cabinet: /, cmd);
  }
});

/**
 * The CLI with its stdout (and with `both`, its stderr) a pipe whose reader has gone before
 * the first write: as `| head -1` is once head has its line. Resolves to the exit code and
 * what reached stderr.
 */
function withClosedPipe(
  args: readonly string[],
  both = false,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.destroy();
    let stderr = "";
    if (both) child.stderr.destroy();
    else child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

test("a pipe closed early ends quietly with the command's own exit code, no EPIPE stack", async (t) => {
  const { c, r } = await smallPackage(t);
  for (const args of [
    ["table", seedManifest],
    ["table", seedManifest, "--format", "tsv"],
    ["check", seedManifest],
    ["cab", "list", r.layout.exe],
    ["cab", "test", r.layout.exe],
    ["inspect", join(c.drop, "app.dll")],
  ]) {
    const got = await withClosedPipe(args);
    t.is(got.code, 0, `${args.join(" ")}: ${got.stderr}`);
    t.is(got.stderr, "", args.join(" "));
  }
  // A user error is still exit 2 (its line went to stderr, which is open).
  const bad = await withClosedPipe(["table", join(c.dir, "missing.yaml")]);
  t.is(bad.code, 2, bad.stderr);
  t.regex(bad.stderr, /^cabwright: .*missing\.yaml/);
  // A build whose stdout and stderr both close still publishes the whole package.
  const out = join(c.dir, "out-closed");
  const built = await withClosedPipe(["build", c.manifest, "--drop", c.drop, "--out", out], true);
  t.is(built.code, 0);
  for (const ext of ["exe", "cab", "build.json", "html"]) {
    await t.notThrowsAsync(access(join(out, "small", `small.${ext}`)), ext);
  }
  const verified = await cabwright([
    "verify",
    join(out, "small", "small.exe"),
    "--manifest",
    c.manifest,
  ]);
  t.is(verified.code, 0, verified.stdout + verified.stderr);
});

test("--json with --format is a usage error (exit 2, one line), not JSON chosen silently", async (t) => {
  for (const args of [
    ["table", seedManifest, "--json", "--format", "csv"],
    ["table", seedManifest, "--format", "json", "--json"],
    ["diff", seedManifest, seedManifest, "--json", "--format", "md"],
  ]) {
    const r = await cabwright(args);
    assertOneLine(
      t,
      r,
      /^cabwright: option '--json' cannot be used with option '--format/,
      args.join(" "),
    );
    t.is(r.stdout, "", args.join(" "));
  }
  // Alone, --json is --format json; the default format stays kb.
  const json = await cabwright(["table", seedManifest, "--json"]);
  t.is(json.code, 0, json.stderr);
  t.deepEqual(
    JSON.parse(json.stdout),
    JSON.parse((await cabwright(["table", seedManifest, "--format", "json"])).stdout),
  );
  t.regex((await cabwright(["table", seedManifest])).stdout, /^File name\s+File version/);
  const diff = await cabwright(["diff", seedManifest, seedManifest, "--json"]);
  t.is(diff.code, 0, diff.stderr);
  t.is(typeof JSON.parse(diff.stdout), "object");
});

test("verify without --manifest checks the package against its build record, and says so", async (t) => {
  const { c, r } = await smallPackage(t);
  const record = join(c.out, "small", "small.build.json");
  for (const pkg of [r.layout.exe, r.layout.cab]) {
    const ok = await cabwright(["verify", pkg]);
    t.is(ok.code, 0, ok.stdout + ok.stderr);
    t.true(
      ok.stdout.startsWith(`verifying against the build record ${record}: each file's name, path,`),
      ok.stdout,
    );
    t.regex(
      ok.stdout,
      /: ok \(3 files match its build record \(no --manifest given\); every file's bytes match the build record /,
    );
  }
  const json = JSON.parse((await cabwright(["verify", r.layout.exe, "--json"])).stdout) as {
    ok: boolean;
    manifest: string;
    expectedFrom?: string;
    checks: string[];
    contents: { compared: boolean };
  };
  t.true(json.ok);
  t.is(json.manifest, record);
  t.is(json.expectedFrom, "build-record");
  t.true(json.checks.includes("contents") && json.checks.includes("manifest"));
  t.true(json.contents.compared);
  // With --manifest, as before (no expectedFrom).
  const withManifest = await cabwright([
    "verify",
    r.layout.exe,
    "--manifest",
    c.manifest,
    "--json",
  ]);
  t.is((JSON.parse(withManifest.stdout) as { expectedFrom?: string }).expectedFrom, undefined);

  // A record that disagrees with the package: each field is a mismatch, exit 1.
  const text = await readFile(record, "utf8");
  const edited = JSON.parse(text) as {
    files: { name: string; time: string; version: string; after: { sha256: string } }[];
  };
  const readme = edited.files.find((f) => f.name === "readme.txt")!;
  readme.time = "18:10";
  const dll = edited.files.find((f) => f.name === "app.dll")!;
  dll.version = "1.2.3.5";
  edited.files.find((f) => f.name === "data.bin")!.after.sha256 = "0".repeat(64);
  const other = join(c.dir, "edited.build.json");
  await writeFile(other, JSON.stringify(edited));
  const bad = await cabwright(["verify", r.layout.exe, "--record", other]);
  t.is(bad.code, 1, bad.stdout + bad.stderr);
  t.regex(bad.stdout, /readme\.txt.*time/);
  t.regex(bad.stdout, /app\.dll.*version/);
  t.regex(bad.stdout, /data\.bin.*sha256/);
  t.regex(bad.stdout, /mismatch\(es\) with its build record/);

  // No record beside the package and no --manifest: one line, exit 2.
  const lone = join(c.dir, "lone.exe");
  await writeFile(lone, await readFile(r.layout.exe));
  assertOneLine(
    t,
    await cabwright(["verify", lone]),
    /lone\.exe: no --manifest given and no build record .*lone\.build\.json to verify against/,
  );
});

test("init --from-drop pins version: Not Applicable on files without one, so a default version later set stamps none of them", async (t) => {
  const dir = await tempDir(t);
  const drop = join(dir, "drop");
  await mkdir(join(drop, "docs"), { recursive: true });
  await writeFile(join(drop, "readme.txt"), "Read me.\r\n");
  await writeFile(join(drop, "docs", "notes.txt"), "Notes.\r\n");
  // A program without a version resource (the minimal PE carries none).
  await writeFile(join(drop, "tool.exe"), minimalPe({ arch: "x86", dll: false, timestamp: 0 }));
  const manifest = join(dir, "m.yaml");
  const init = await cabwright(["init", "--from-drop", drop, "-o", manifest]);
  t.is(init.code, 0, init.stderr);
  const yaml = await readFile(manifest, "utf8");
  for (const name of ["readme.txt", "notes.txt", "tool.exe"]) {
    t.regex(
      yaml,
      new RegExp(`- name: ${name.replace(".", "\\.")}\n(    .*\n)*?    version: Not Applicable\n`),
      name,
    );
  }
  // The engineer gives the package's files a default version: nothing here can take it.
  const edited = yaml.replace(/^defaults:\n {2}version: .*$/m, "defaults:\n  version: 2.0.0.0");
  t.not(edited, yaml);
  await writeFile(manifest, edited);
  const built = await cabwright(["build", manifest, "--drop", drop, "--out", join(dir, "out")]);
  t.is(built.code, 0, built.stderr);
  t.notRegex(built.stderr, /marked stamp: true/);
  const table = await cabwright(["table", join(dir, "out", "drop", "drop.exe"), "--format", "tsv"]);
  t.is(table.code, 0, table.stderr);
  t.is((table.stdout.match(/\tNot Applicable\t/g) ?? []).length, 3, table.stdout);
});
