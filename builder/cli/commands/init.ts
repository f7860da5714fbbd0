import { Option } from "commander";
import { importKbFile } from "../../kb-import/index.js";
import { manifestFromImport } from "../../kb-import/to-manifest.js";
import { parseManifest } from "../../manifest/load.js";
import { PLATFORMS, type Platform } from "../../manifest/types.js";
import { InputError } from "../../util/errors.js";
import { writeFileAtomic } from "../../util/fs.js";
import type { RegisterCommand } from "./types.js";

interface InitOptions {
  fromKb?: string;
  output?: string;
  year?: string;
  platform?: Platform;
  name?: string;
  strict?: boolean;
}

export const registerInit: RegisterCommand = (program) => {
  program
    .command("init")
    .description("start a manifest from a published KB article's File information table")
    .option("--from-kb <file>", "article as HTML, copied text or flat scraped text")
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
    .action(async (opts: InitOptions) => {
      if (!opts.fromKb) throw new InputError("init: give --from-kb FILE");
      let year: number | undefined;
      if (opts.year !== undefined) {
        if (!/^\d{4}$/.test(opts.year)) {
          throw new InputError(`--year: "${opts.year}" is not a 4-digit year`);
        }
        year = Number(opts.year);
      }
      const imp = await importKbFile(opts.fromKb, year !== undefined ? { year } : {});
      for (const w of imp.warnings) {
        process.stderr.write(`cabwright: warning: ${opts.fromKb}:${w.at} ${w.message}\n`);
      }
      if (opts.strict && imp.warnings.length > 0) {
        throw new InputError(
          `${opts.fromKb}: the import made ${imp.warnings.length} decision(s) (listed above) and --strict is set`,
        );
      }
      const yaml = manifestFromImport(imp, {
        ...(opts.platform ? { platform: opts.platform } : {}),
        ...(opts.name ? { name: opts.name } : {}),
      });
      // What we write must load: check it before it replaces anything.
      const { manifest } = parseManifest(opts.output ?? "(manifest)", yaml);
      if (opts.output) {
        await writeFileAtomic(opts.output, yaml);
        process.stderr.write(
          `cabwright: ${opts.output}: ${manifest.files.length} files from ${imp.tables.length} table(s) of ${opts.fromKb}\n`,
        );
      } else process.stdout.write(yaml);
    });
};
