import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { Option } from "commander";
import { parseManifest } from "../../manifest/load.js";
import type { Manifest } from "../../manifest/types.js";
import { checkBuildRecord, looksLikeBuildRecord } from "../../pipeline/record-check.js";
import { REPORT_FORMATS, type ReportFormat, renderReport } from "../../report/article.js";
import { readInputFile, writeFileAtomic } from "../../util/fs.js";
import { type CommonFlags, outputFor } from "../output.js";
import { outputFileOption } from "./options.js";
import type { RegisterCommand } from "./types.js";

/** The manifest a build record names, looked up beside the record, then from here. */
async function recordManifest(recordFile: string, path: string): Promise<Manifest | undefined> {
  for (const candidate of [resolve(dirname(recordFile), path), resolve(path)]) {
    try {
      return parseManifest(candidate, await readFile(candidate)).manifest;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw err;
    }
  }
  return undefined;
}

export const registerReport: RegisterCommand = (program) => {
  program
    .command("report")
    .description(
      "write the KB article of a manifest or a build record from the templates in templates/kb/",
    )
    .argument("<input>", "manifest (YAML/JSON) or build record (NAME.build.json)")
    .addOption(
      new Option("--format <format>", "article format").choices(REPORT_FORMATS).default("html"),
    )
    .addOption(outputFileOption("the article"))
    .option("--templates <dir>", "use the templates in DIR instead of cabwright's templates/kb/")
    .action(
      async (
        file: string,
        opts: CommonFlags & { format: ReportFormat; output?: string; templates?: string },
      ) => {
        const bytes = await readInputFile(file, "the input");
        let input: unknown;
        if (/\.json$/i.test(file) || bytes.toString("utf8", 0, 64).trimStart().startsWith("{")) {
          try {
            input = JSON.parse(bytes.toString("utf8"));
          } catch {
            input = undefined;
          }
        }
        let text: string;
        const templates = opts.templates ? { templates: opts.templates } : {};
        if (looksLikeBuildRecord(input)) {
          const record = checkBuildRecord(file, input);
          const manifest = await recordManifest(file, record.manifest.path);
          if (!manifest) {
            outputFor(opts).warn(
              `${file}: the manifest it was built from (${record.manifest.path}) is not found; the article has the file table but no fixes or install notes`,
            );
          }
          text = renderReport(record, opts.format, {
            ...(manifest ? { manifest } : {}),
            ...templates,
          });
        } else {
          const { manifest } = parseManifest(file, bytes);
          text = renderReport(manifest, opts.format, templates);
        }
        if (opts.output) await writeFileAtomic(opts.output, text);
        else process.stdout.write(text);
      },
    );
};
