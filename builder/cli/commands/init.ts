import { Option } from "commander";
import { parseDocument } from "yaml";
import { manifestFromDrop, scanDrop } from "../../init/from-drop.js";
import { schemaReference, withSchemaLine } from "../../init/schema-ref.js";
import { importKbFile } from "../../kb-import/index.js";
import { draftFromImport } from "../../kb-import/to-manifest.js";
import { summarizeWarnings } from "../../kb-import/warnings.js";
import { parseManifest } from "../../manifest/load.js";
import { PLATFORMS, type Platform } from "../../manifest/types.js";
import { inspectFile } from "../../pe/inspect.js";
import { InputError } from "../../util/errors.js";
import { writeFileAtomic } from "../../util/fs.js";
import { type CliOutput, type CommonFlags, outputFor } from "../output.js";
import type { RegisterCommand } from "./types.js";

interface InitOptions extends CommonFlags {
  fromKb?: string;
  fromDrop?: string;
  output?: string;
  year?: string;
  platform?: Platform;
  name?: string;
  strict?: boolean;
  exclude: string[];
}

export const registerInit: RegisterCommand = (program) => {
  program
    .command("init")
    .description(
      "start a manifest from a published KB article's File information table, or from a build drop",
    )
    .option("--from-kb <file>", "article as HTML, copied text or flat scraped text")
    .option("--from-drop <dir>", "build drop: every file's version, platform, size, UTC date")
    .option(
      "-o, --output <manifest>",
      "write the manifest to MANIFEST (atomically) instead of stdout",
    )
    .option("--year <yyyy>", "year for dates the table prints without one (e.g. 14-9)")
    .addOption(
      new Option(
        "--platform <platform>",
        "platform for rows of a table with no Platform column",
      ).choices(PLATFORMS),
    )
    .option("--name <name>", "package name (default: from the KB number or the file name)")
    .option("--strict", "fail (exit 2) when the import had to make any decision")
    .option(
      "--exclude <pattern>",
      "with --from-drop: leave out files matching PATTERN (Thumbs.db, *.pdb, symbols/**; repeatable), written as drop.exclude so build leaves them out too",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .action(async (opts: InitOptions) => {
      const out = outputFor(opts);
      if (!opts.fromKb === !opts.fromDrop) {
        throw new InputError("init: give either --from-kb FILE or --from-drop DIR");
      }
      if (opts.exclude.length > 0 && !opts.fromDrop) {
        throw new InputError("init: --exclude goes with --from-drop DIR");
      }
      if (opts.fromDrop) {
        const drop = opts.fromDrop;
        const excluded = new Map<string, number>();
        const files = await scanDrop(drop, inspectFile, {
          onOutside: (path, target) =>
            out.warn(
              `${drop}: ${path} is a link to ${target}, outside the drop: not listed (add it by hand with allowOutsideDrop: true to ship it)`,
            ),
          exclude: opts.exclude,
          onExcluded: (_path, pattern) => excluded.set(pattern, (excluded.get(pattern) ?? 0) + 1),
        });
        const yaml = manifestFromDrop(drop, files, {
          ...(opts.name ? { name: opts.name } : {}),
          exclude: opts.exclude,
        });
        const left = [...excluded].map(([p, n]) => `${n} ${p}`).join(", ");
        await emit(
          out,
          yaml,
          opts.output,
          `${files.length} files of ${drop}${left ? ` (left out: ${left})` : ""}`,
        );
        return;
      }
      const fromKb = opts.fromKb!;
      let year: number | undefined;
      if (opts.year !== undefined) {
        if (!/^\d{4}$/.test(opts.year)) {
          throw new InputError(`--year: "${opts.year}" is not a 4-digit year`);
        }
        year = Number(opts.year);
      }
      const imp = await importKbFile(fromKb, year !== undefined ? { year } : {});
      // One line per decision (23 rows with a two-digit year are one warning).
      const decisions = summarizeWarnings([...imp.warnings, ...imp.articleWarnings]);
      for (const w of decisions) {
        out.warn(`${fromKb}:${w.at} ${w.message}`);
      }
      if (opts.strict && decisions.length > 0) {
        throw new InputError(
          `${fromKb}: the import made ${decisions.length} decision(s) (listed above) and --strict is set`,
        );
      }
      const draft = draftFromImport(imp, {
        ...(opts.platform ? { platform: opts.platform } : {}),
        ...(opts.name ? { name: opts.name } : {}),
      });
      await emit(
        out,
        draft.yaml,
        opts.output,
        `${imp.rows.length} rows from ${imp.tables.length} table(s) of ${fromKb}`,
        draft.omitted,
      );
      if (draft.omitted.length > 0) {
        out.warn(
          `${opts.output ?? "(manifest)"}: the article does not say ${draft.omitted.join(", ")}; the manifest leaves them out (a comment says so), and check and build need them`,
        );
      }
    });
};

/**
 * Check the manifest loads before it replaces anything, then write it (or print it).
 * Required fields the source does not say (`omitted`, e.g. package.company) are left out
 * of the written manifest; the check runs with a stand-in for each, so that everything the
 * import did write is checked.
 */
async function emit(
  out: CliOutput,
  yaml: string,
  output: string | undefined,
  what: string,
  omitted: readonly string[] = [],
): Promise<void> {
  yaml = withSchemaLine(yaml, schemaReference(output));
  let checked = yaml;
  if (omitted.length > 0) {
    const doc = parseDocument(yaml);
    for (const field of omitted) doc.setIn(field.split("."), "(left out)");
    checked = doc.toString();
  }
  parseManifest(output ?? "(manifest)", checked);
  if (output) {
    await writeFileAtomic(output, yaml);
    out.note(`cabwright: ${output}: ${what}`);
  } else process.stdout.write(yaml);
}
