/**
 * Problems in CI logs (issue 16): GITHUB_ACTIONS=true writes GitHub workflow commands,
 * TF_BUILD=True Azure Pipelines logging commands, `--annotations` chooses either (or plain
 * lines) whatever the environment says; each with the file, line and column of the problem.
 * And the README's two pipeline files parse, and their cabwright steps run as written.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import test, { type ExecutionContext } from "ava";
import { parse } from "yaml";
import { AnnotationStyle, formatProblemLine, problemLine } from "../builder/cli/output.js";
import { locateProblem } from "../builder/util/errors.js";
import { cliPath, repoRoot, tinyManifest } from "./helpers/cli.js";
import { run, tempDir } from "./helpers/peers.js";
import { smallCase } from "./helpers/small-build.js";

/** The environment with no CI service's variables, plus `extra`. */
function envWith(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ["GITHUB_ACTIONS", "GITHUB_WORKSPACE", "TF_BUILD", "CI"]) delete env[k];
  return { ...env, ...extra };
}

const cli = (args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string) =>
  run(process.execPath, [cliPath, ...args], { env, timeout: 120_000, ...(cwd ? { cwd } : {}) });

/** One problem: a three-part version at line 15, column 14. */
const MANIFEST = tinyManifest("  - name: a.txt\n    version: 1.2.3\n", "bad");

test("the environment chooses the annotation style; --annotations overrides it", async (t) => {
  const dir = await tempDir(t);
  const bad = join(dir, "bad.yaml");
  await writeFile(bad, MANIFEST);
  const message = "files[0].version: ";

  const plain = await cli(["check", bad], envWith());
  t.is(plain.code, 2);
  t.regex(plain.stderr, /^cabwright: .*bad\.yaml:15:14 files\[0\]\.version: /m);
  t.notRegex(plain.stderr, /::error|##vso/);

  const github = await cli(["check", bad], envWith({ GITHUB_ACTIONS: "true" }));
  t.is(github.code, 2, "the exit code is the same");
  const gh = github.stderr.trim().split("\n");
  t.is(gh.length, 1, github.stderr);
  t.true(
    gh[0]!.startsWith(`::error file=${bad.replace(/:/g, "%3A")},line=15,col=14::${message}`),
    gh[0],
  );
  t.false(gh[0]!.includes("bad.yaml:15:14"), "the position is in the properties, not twice");

  // Paths under GITHUB_WORKSPACE are given from the repository root, as GitHub links them.
  const inRepo = await cli(
    ["check", bad],
    envWith({ GITHUB_ACTIONS: "true", GITHUB_WORKSPACE: dir }),
  );
  t.regex(inRepo.stderr, /^::error file=bad\.yaml,line=15,col=14::files\[0\]\.version: /);

  const azure = await cli(["check", bad], envWith({ TF_BUILD: "True" }));
  t.is(azure.code, 2);
  t.regex(
    azure.stderr,
    new RegExp(
      `^##vso\\[task\\.logissue type=error;sourcepath=${resolve(bad).replace(/[.[\]/]/g, "\\$&")};linenumber=15;columnnumber=14\\]files\\[0\\]\\.version: `,
    ),
  );

  const forcedOff = await cli(
    ["check", bad, "--annotations", "none"],
    envWith({ GITHUB_ACTIONS: "true" }),
  );
  t.regex(forcedOff.stderr, /^cabwright: /);
  const forcedOn = await cli(["check", bad, "--annotations", "azure"], envWith());
  t.regex(forcedOn.stderr, /^##vso\[task\.logissue type=error;/);
  const wrong = await cli(["check", bad, "--annotations", "jenkins"], envWith());
  t.is(wrong.code, 2);
  t.regex(wrong.stderr, /^cabwright: option '--annotations <style>' argument 'jenkins' is invalid/);
  // A usage error is written in the environment's style too.
  const usage = await cli(["check", bad, "--bogus"], envWith({ GITHUB_ACTIONS: "true" }));
  t.is(usage.code, 2);
  t.regex(usage.stderr, /^::error::unknown option '--bogus'$/m);
});

test("warnings, cabinet errors and per-file errors are annotated too", async (t) => {
  const c = await smallCase(await tempDir(t));
  await writeFile(join(c.drop, "Thumbs.db"), "x");
  const gh = envWith({ GITHUB_ACTIONS: "true" });
  const b = await cli(["build", c.manifest, "--drop", c.drop, "--out", c.out], gh);
  t.is(b.code, 0, b.stderr);
  t.regex(b.stderr, /^::warning::.*Thumbs\.db is in the drop but no manifest entry claims it$/m);
  const plain = await cli(["build", c.manifest, "--drop", c.drop, "--out", c.out], envWith());
  t.regex(plain.stderr, /^warning: .*Thumbs\.db is in the drop/m, "plain progress lines as before");

  // verify's mismatches: the report's lines on stdout, and an annotation of the package each.
  const other = join(c.dir, "other.yaml");
  await writeFile(other, (await readFile(c.manifest, "utf8")).replace("1.2.3.4", "1.2.3.5"));
  const exe = join(c.out, "small", "small.exe");
  const v = await cli(["verify", exe, "--manifest", other], gh);
  t.is(v.code, 1, v.stderr);
  t.regex(v.stdout, /^app\.dll: version: expected 1\.2\.3\.5, found 1\.2\.3\.4$/m);
  t.regex(
    v.stderr,
    /^::error file=[^:]*small\.exe::app\.dll: version: expected 1\.2\.3\.5, found 1\.2\.3\.4$/m,
  );
  const vPlain = await cli(["verify", exe, "--manifest", other], envWith());
  t.is(vPlain.code, 1);
  t.is(vPlain.stderr, "", "plain style: the report's lines say it, once");

  const notCab = join(c.dir, "notes.txt");
  await writeFile(notCab, "not a cabinet\n");
  const cab = await cli(["cab", "test", notCab], envWith({ TF_BUILD: "True" }));
  t.is(cab.code, 2);
  t.regex(
    cab.stderr,
    /^##vso\[task\.logissue type=error;sourcepath=\/.*notes\.txt\]notes\.txt: CFHEADER at offset 0x0 /,
  );
  const inspect = await cli(["inspect", join(c.drop, "app.dll"), join(c.dir, "nope.dll")], gh);
  t.is(inspect.code, 2);
  t.regex(inspect.stderr, /^::error::.*nope\.dll: /m);
});

test("diff findings are annotated at the entry they are about: warnings, errors with --fail-on", async (t) => {
  const dir = await tempDir(t);
  const a = join(dir, "a.yaml");
  const b = join(dir, "b.yaml");
  const entry = (v: string) =>
    `  - name: keep.dll\n    version: 2.0.0.0\n  - name: tool.dll\n    version: ${v}\n`;
  await writeFile(a, tinyManifest(`${entry("1.5.0.0")}  - name: gone.dll\n    version: 1.0.0.0\n`));
  // tool.dll's entry starts at line 16 of b.yaml: its version went backwards.
  await writeFile(b, tinyManifest(entry("1.4.0.0")));
  const gh = envWith({ GITHUB_ACTIONS: "true", GITHUB_WORKSPACE: dir });
  const warned = await cli(["diff", a, b], gh);
  t.is(warned.code, 0, warned.stderr);
  t.regex(warned.stdout, /version-backwards +tool\.dll: version went backwards/);
  t.regex(
    warned.stderr,
    /^::warning file=b\.yaml,line=16,col=5::version-backwards: tool\.dll: version went backwards: 1\.5\.0\.0 -> 1\.4\.0\.0$/m,
  );
  // A file B dropped points at its entry in A.
  t.regex(warned.stderr, /^::warning file=a\.yaml,line=18,col=5::dropped-file: gone\.dll: /m);

  const failed = await cli(["diff", a, b, "--fail-on", "version-backwards"], gh);
  t.is(failed.code, 1);
  t.regex(failed.stderr, /^::error file=b\.yaml,line=16,col=5::version-backwards: /m);
  t.regex(failed.stderr, /^::warning file=a\.yaml,line=18,col=5::dropped-file: /m);

  const json = JSON.parse((await cli(["diff", a, b, "--json"], envWith())).stdout) as {
    findings: { rule: string; at: string }[];
  };
  t.is(json.findings.find((f) => f.rule === "version-backwards")?.at, `${b}:16:5`);
  const plain = await cli(["diff", a, b], envWith());
  t.is(plain.stderr, "", "plain style: the report's lines say it, once");
});

test("locating a problem: FILE:LINE:COL with a drive letter, never a time of day", (t) => {
  t.like(locateProblem("C:\\rel\\m.yaml:3:5 files[0].size: negative"), {
    file: "C:\\rel\\m.yaml",
    line: 3,
    column: 5,
    message: "files[0].size: negative",
  });
  t.like(locateProblem("kb.txt:12:1: a row without a version"), {
    file: "kb.txt",
    line: 12,
    column: 1,
    message: "a row without a version",
  });
  t.like(locateProblem("m.yaml: dated 2010-06-29 12:30:00, expected a date"), {
    file: undefined,
    line: undefined,
    message: "m.yaml: dated 2010-06-29 12:30:00, expected a date",
  });
  t.like(locateProblem("--sign-key needs --sign-cert"), { file: undefined });
});

test("escaping: a message or a path cannot end the command or add a property", (t) => {
  const p = {
    text: "a,b:c.yaml:2:7 100% sure",
    at: { file: "a,b:c.yaml", line: 2, column: 7, message: "100% sure\nsecond line; ]" },
  };
  const env = {};
  t.is(
    formatProblemLine("error", p, AnnotationStyle.github, env),
    "::error file=a%2Cb%3Ac.yaml,line=2,col=7::100%25 sure%0Asecond line; ]",
  );
  const azure = formatProblemLine(
    "warning",
    problemLine("x;]y.yaml:2:7 50% ; ]\r\n"),
    AnnotationStyle.azure,
    env,
  );
  t.is(
    azure,
    `##vso[task.logissue type=warning;sourcepath=${resolve("x;]y.yaml").replace(";", "%3B").replace("]", "%5D")};linenumber=2;columnnumber=7]50%AZP25 ; ]%0D%0A`,
  );
  t.is(
    formatProblemLine("warning", problemLine("plain"), AnnotationStyle.none, env),
    "cabwright: warning: plain",
  );
});

/** The ```yaml blocks of the README's CI section: the GitHub workflow, then Azure's. */
async function readmePipelines(): Promise<{ github: unknown; azure: unknown }> {
  const readme = await readFile(join(repoRoot, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("### In a CI pipeline"));
  const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  if (blocks.length < 2) throw new Error("README: the CI section has no two yaml blocks");
  return { github: parse(blocks[0]!), azure: parse(blocks[1]!) };
}

/**
 * Run a step's shell text as the CI service would, in `cwd`, with `npx cabwright` being
 * this checkout's CLI (what `npm ci` installs in the user's repository).
 */
function runStep(script: string, cwd: string, env: NodeJS.ProcessEnv) {
  const shim = `npx() { if [ "$1" = cabwright ]; then shift; "${process.execPath}" "${cliPath}" "$@"; else echo "not npx $*" >&2; return 127; fi; }\n`;
  return run("/bin/sh", ["-ec", shim + script], { cwd, env, timeout: 180_000 });
}

/** A repository as the README describes it: manifest/hotfix.yaml and drop/. */
async function hotfixRepo(dir: string): Promise<void> {
  const c = await smallCase(dir, { name: "hotfix" });
  await mkdir(join(dir, "manifest"));
  await rename(c.manifest, join(dir, "manifest", "hotfix.yaml"));
}

/**
 * The pipeline's shell steps: `npm ci`, then cabwright's check, build and verify, each run
 * as written in a new repository with no problem line. Returns that repository and steps.
 */
async function runCabwrightSteps(
  t: ExecutionContext,
  scripts: readonly string[],
  env: (dir: string) => NodeJS.ProcessEnv,
  problem: RegExp,
): Promise<{ dir: string; steps: string[]; env: NodeJS.ProcessEnv }> {
  t.true(scripts.includes("npm ci"));
  const steps = scripts.filter((r) => r.includes("cabwright"));
  t.deepEqual(
    steps.map((r) => r.split(" ")[2]),
    ["check", "build", "verify"],
  );
  const dir = await tempDir(t);
  await hotfixRepo(dir);
  for (const step of steps) {
    const r = await runStep(step, dir, env(dir));
    t.is(r.code, 0, `${step}: ${r.stderr}`);
    t.notRegex(r.stderr, problem, step);
  }
  return { dir, steps, env: env(dir) };
}

test("README: the GitHub Actions workflow parses and its cabwright steps run as written", async (t) => {
  const { github } = await readmePipelines();
  const wf = github as {
    on: unknown;
    jobs: Record<string, { "runs-on": string; steps: { uses?: string; run?: string }[] }>;
  };
  t.truthy(wf.on);
  const job = Object.values(wf.jobs)[0]!;
  t.is(typeof job["runs-on"], "string");
  t.true(job.steps.some((s) => s.uses?.startsWith("actions/setup-node@")));
  const runs = job.steps.map((s) => s.run).filter((r): r is string => r !== undefined);
  const { dir, steps, env } = await runCabwrightSteps(
    t,
    runs,
    (root) => envWith({ GITHUB_ACTIONS: "true", CI: "true", GITHUB_WORKSPACE: root }),
    /::(error|warning)/,
  );
  const upload = job.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@")) as
    | { with: { path: string } }
    | undefined;
  await t.notThrowsAsync(readFile(join(dir, upload!.with.path, "hotfix.exe")));
  // The same steps against a broken manifest: an annotation on the line, exit 2.
  const m = join(dir, "manifest", "hotfix.yaml");
  await writeFile(m, (await readFile(m, "utf8")).replace("version: 1.2.3.4", "version: 1.2.3"));
  const broken = await runStep(steps[0]!, dir, env);
  t.is(broken.code, 2);
  t.regex(
    broken.stderr,
    /^::error file=manifest\/hotfix\.yaml,line=\d+,col=\d+::files\[0\]\.version: /m,
  );
});

test("README: the Azure Pipelines file parses and its cabwright steps run as written", async (t) => {
  const { azure } = await readmePipelines();
  const p = azure as {
    trigger: unknown;
    pool: { vmImage: string };
    steps: { task?: string; script?: string; publish?: string }[];
  };
  t.truthy(p.trigger);
  t.is(typeof p.pool.vmImage, "string");
  t.true(p.steps.some((s) => s.task?.startsWith("NodeTool@")));
  const scripts = p.steps.map((s) => s.script).filter((s): s is string => s !== undefined);
  const { dir, steps, env } = await runCabwrightSteps(
    t,
    scripts,
    () => envWith({ TF_BUILD: "True" }),
    /##vso/,
  );
  const published = p.steps.find((s) => s.publish !== undefined)!.publish!;
  await t.notThrowsAsync(readFile(join(dir, published, "hotfix.exe")));
  await writeFile(join(dir, "drop", "app.dll"), "not a PE any more");
  const broken = await runStep(steps[1]!, dir, env);
  t.not(broken.code, 0);
  t.regex(broken.stderr, /^##vso\[task\.logissue type=error;/m);
});
