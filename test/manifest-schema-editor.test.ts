/**
 * The `# yaml-language-server: $schema=` line `init` writes resolves wherever the manifest
 * is written (issue 16): yaml-language-server itself, driven over stdio as an editor
 * drives it, finds the schema from that line alone and reports a wrong field, for a
 * manifest in a folder outside the repository, written with -o or to stdout.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { minimalPe } from "cabwright";
import { cabwright } from "./helpers/cli.js";
import { tempDir } from "./helpers/peers.js";
import { yamlDiagnostics } from "./helpers/yaml-ls.js";

async function smallDrop(dir: string): Promise<string> {
  const drop = join(dir, "drop");
  await mkdir(drop, { recursive: true });
  await writeFile(join(drop, "app.dll"), minimalPe({ arch: "x86", dll: true, timestamp: 0 }));
  await writeFile(join(drop, "readme.txt"), "Read me.\r\n");
  return drop;
}

test("the schema line of init -o resolves from a folder elsewhere: a valid manifest has no diagnostic, a wrong field has one at its line", async (t) => {
  const dir = await tempDir(t);
  const drop = await smallDrop(dir);
  const manifest = join(dir, "deep", "er", "hotfix.yaml");
  const init = await cabwright(["init", "--from-drop", drop, "-o", manifest]);
  t.is(init.code, 0, init.stderr);
  const yaml = await readFile(manifest, "utf8");
  t.regex(yaml, /^# yaml-language-server: \$schema=\.\.\/[^\s]*manifest\/manifest\.schema\.json\n/);
  t.deepEqual(await yamlDiagnostics(manifest, yaml), []);
  const wrong = yaml.replace(
    /^ {2}restart: not-required$/m,
    "  restart: not-required\n  colour: blue",
  );
  t.not(wrong, yaml);
  const line = wrong.split("\n").indexOf("  colour: blue");
  const found = await yamlDiagnostics(manifest, wrong);
  t.true(
    found.some((d) => d.range.start.line === line && /colour/.test(d.message)),
    JSON.stringify(found),
  );
});

test("printed to stdout, the schema line is relative to the working folder, where a redirection writes it", async (t) => {
  const dir = await tempDir(t);
  const drop = await smallDrop(dir);
  const work = join(dir, "work");
  await mkdir(work);
  const init = await cabwright(["init", "--from-drop", drop], { cwd: work });
  t.is(init.code, 0, init.stderr);
  const manifest = join(work, "hotfix.yaml");
  await writeFile(manifest, init.stdout);
  t.deepEqual(await yamlDiagnostics(manifest, init.stdout), []);
  const wrong = init.stdout.replace(/^ {2}platform: x86$/m, "  platform: x87");
  t.not(wrong, init.stdout);
  const found = await yamlDiagnostics(manifest, wrong);
  t.true(
    found.some(
      (d) => d.source === "yaml-schema: cabwright package manifest" && /x87|x86/.test(d.message),
    ),
    JSON.stringify(found),
  );
});
