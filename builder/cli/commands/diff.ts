import { Option } from "commander";
import { ANY_RULE, enforceFailOn, parseFailOn } from "../../diff/fail-on.js";
import { DIFF_FORMATS, type DiffFormat, formatDiff } from "../../diff/format.js";
import { diffFiles } from "../../diff/index.js";
import { RULE_IDS } from "../../diff/types.js";
import { writeFileAtomic } from "../../util/fs.js";
import { type CommonFlags, outputFor } from "../output.js";
import { jsonFormatOption } from "./options.js";
import type { RegisterCommand } from "./types.js";

interface DiffOptions extends CommonFlags {
  json?: boolean;
  format: DiffFormat;
  failOn?: string;
  output?: string;
}

export const registerDiff: RegisterCommand = (program) => {
  program
    .command("diff")
    .description(
      "compare two manifests, packages (.exe, .cab) or build records: added, removed and changed files, package-level changes, and release-discipline findings",
    )
    .argument("<a>", "the before side: manifest, package or NAME.build.json")
    .argument("<b>", "the after side")
    .addOption(jsonFormatOption())
    .addOption(
      new Option("--format <format>", "output format").choices(DIFF_FORMATS).default("text"),
    )
    .option(
      "--fail-on <rules>",
      `exit 1 when a finding of these rules fires: comma-separated ids or "${ANY_RULE}" (${RULE_IDS.join(", ")})`,
    )
    .option("-o, --output <file>", "write the report to a file (atomically) instead of stdout")
    .action(async (a: string, b: string, opts: DiffOptions) => {
      const failOn = opts.failOn !== undefined ? parseFailOn(opts.failOn) : undefined;
      const result = await diffFiles(a, b);
      const report = formatDiff(result, opts.json ? "json" : opts.format);
      if (opts.output !== undefined) await writeFileAtomic(opts.output, report);
      else process.stdout.write(report);
      // In a CI log each finding is also an annotation of the entry it is about: an error
      // when --fail-on names its rule, else a warning.
      const out = outputFor(opts);
      for (const f of result.findings) {
        out.annotate(
          failOn?.has(f.rule) ? "error" : "warning",
          f.at,
          `${f.rule}: ${f.path}: ${f.message}`,
        );
      }
      if (failOn) enforceFailOn(result, failOn);
    });
};
