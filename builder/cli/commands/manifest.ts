import { Option } from "commander";
import { planSummary } from "../../install/compare.js";
import { compilePlan } from "../../install/compile.js";
import type { InstallPlan } from "../../install/plan.js";
import { loadManifest } from "../../manifest/load.js";
import type { Manifest } from "../../manifest/types.js";
import {
  formatTable,
  manifestTableRows,
  TABLE_FORMATS,
  type TableFormat,
} from "../../report/table.js";
import { InputError } from "../../util/errors.js";
import { packageKind, packageRows } from "../../verify/package-table.js";
import { type CommonFlags, outputFor } from "../output.js";
import { checkJson } from "./json.js";
import { jsonFormatOption, jsonOption } from "./options.js";
import type { RegisterCommand } from "./types.js";

export const registerCheck: RegisterCommand = (program) => {
  program
    .command("check")
    .description(
      "validate a manifest (exit 0), or list every problem with its line:column (exit 2)",
    )
    .argument("<manifest>", "manifest file (YAML or JSON)")
    .addOption(jsonOption("the result and every problem"))
    .action(async (file: string, opts: CommonFlags & { json?: boolean }) => {
      let checked: { manifest: Manifest; plan: InstallPlan | undefined };
      try {
        const { manifest } = await loadManifest(file);
        checked = { manifest, plan: compilePlan(manifest) };
      } catch (err) {
        // The problems are printed on stderr as always (main.ts); --json also lists them.
        if (opts.json && err instanceof InputError) {
          process.stdout.write(checkJson(file, { problems: err.problems }));
        }
        throw err;
      }
      const { manifest, plan } = checked;
      if (opts.json) {
        process.stdout.write(checkJson(file, { manifest, plan }));
        return;
      }
      outputFor(opts).status(
        `${file}: ok (${manifest.package.name}, ${manifest.files.length} files)${plan ? `\n${planSummary(plan)}` : ""}`,
      );
    });
};

export const registerTable: RegisterCommand = (program) => {
  program
    .command("table")
    .description("print the KB file table of a manifest, or of a package (.exe, .cab, .build.json)")
    .argument("<source>", "manifest file, package (.exe/.cab) or build record (.build.json)")
    .addOption(
      new Option("--format <format>", "output format").choices(TABLE_FORMATS).default("kb"),
    )
    .addOption(jsonFormatOption())
    .action(async (file: string, flags: { format: TableFormat; json?: boolean }) => {
      const opts = { format: flags.json ? "json" : flags.format } as const;
      if (packageKind(file) !== undefined) {
        const { defaultToolkit } = await import("../../pipeline/toolkit-default.js");
        process.stdout.write(formatTable(await packageRows(file, defaultToolkit()), opts.format));
        return;
      }
      const { manifest } = await loadManifest(file);
      process.stdout.write(formatTable(manifestTableRows(manifest), opts.format));
    });
};
