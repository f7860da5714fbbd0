/**
 * `npm run bench [-- NAME...]`: runs every bench/NAME.ts (compiled to dist/bench/NAME.js)
 * that exports `run()`, or only the ones named. A new benchmark is a new file: this runner
 * finds it, so it needs no edit.
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

interface BenchModule {
  run(): Promise<void>;
}

async function main(names: readonly string[]): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const all = readdirSync(here)
    .filter((f) => f.endsWith(".js") && f !== "run.js")
    .map((f) => f.slice(0, -3))
    .sort();
  const unknown = names.filter((n) => !all.includes(n));
  if (unknown.length > 0) {
    throw new Error(`no benchmark named ${unknown.join(", ")}; there are: ${all.join(", ")}`);
  }
  for (const name of names.length > 0 ? names : all) {
    const mod = (await import(
      pathToFileURL(join(here, `${name}.js`)).href
    )) as Partial<BenchModule>;
    if (typeof mod.run !== "function") continue;
    process.stdout.write(`== bench ${name}\n`);
    await mod.run();
  }
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`${(err as Error)?.stack ?? err}\n`);
  process.exitCode = 1;
});
