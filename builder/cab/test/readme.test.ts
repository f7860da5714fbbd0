/**
 * The package README's examples are real: each ```ts block is, to the byte, a file of
 * examples/ (compiled with the rest), every example is in the README, and running them in
 * order in one empty folder prints exactly the ```text block under each.
 */
import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import test from "ava";
import { tempDir } from "../../../test/helpers/peers.js";

const execFileP = promisify(execFile);
const pkg = fileURLToPath(new URL("../../../../builder/cab/", import.meta.url));
const compiled = new URL("../examples/", import.meta.url);

interface Example {
  readonly name: string;
  readonly code: string;
  readonly output: string;
}

/** Each ```ts block whose first line names examples/NAME.ts, with the ```text block after it. */
function readmeExamples(readme: string): Example[] {
  const blocks = [...readme.matchAll(/^```(ts|text)\n([\s\S]*?)^```$/gm)];
  const out: Example[] = [];
  blocks.forEach((b, i) => {
    const name = b[1] === "ts" ? /^\/\/ examples\/([\w-]+)\.ts:/.exec(b[2]!)?.[1] : undefined;
    if (name === undefined) return;
    const next = blocks[i + 1];
    out.push({ name, code: b[2]!, output: next?.[1] === "text" ? next[2]! : "" });
  });
  return out;
}

test("every example is in the README as it is in examples/, and prints what the README says", async (t) => {
  const readme = await readFile(`${pkg}README.md`, "utf8");
  const examples = readmeExamples(readme);
  const files = (await readdir(`${pkg}examples`)).filter((f) => f.endsWith(".ts")).sort();
  t.deepEqual(examples.map((e) => `${e.name}.ts`).sort(), files, "README blocks = examples/");
  const dir = await tempDir(t, "cab-readme-");
  for (const e of examples) {
    t.is(e.code, await readFile(`${pkg}examples/${e.name}.ts`, "utf8"), `${e.name}: the code`);
    const script = fileURLToPath(new URL(`${e.name}.js`, compiled));
    const { stdout } = await execFileP(process.execPath, [script], { cwd: dir });
    t.is(stdout, e.output, `${e.name}: the output`);
  }
});

test("the README's example finder finds a planted example and its output, and misses none", (t) => {
  const planted = [
    "# x",
    "```ts",
    "// examples/a.ts: one",
    'console.log("a");',
    "```",
    "",
    "```text",
    "a",
    "```",
    "```ts",
    "// not an example",
    "```",
    "```ts",
    "// examples/b-c.ts: two",
    "```",
    "",
  ].join("\n");
  t.deepEqual(readmeExamples(planted), [
    { name: "a", code: '// examples/a.ts: one\nconsole.log("a");\n', output: "a\n" },
    { name: "b-c", code: "// examples/b-c.ts: two\n", output: "" },
  ]);
});
