import { Option } from "commander";
import { assembleSfx } from "../../sfx/assemble.js";
import { SfxPlatform } from "../../sfx/constants.js";
import { type CabinetFoundBy, locateCabinet } from "../../sfx/locate.js";
import { InputError } from "../../util/errors.js";
import { type CommonFlags, outputFor } from "../output.js";
import { CliSchema, jsonText } from "./json.js";
import { jsonOption, outputFileOption } from "./options.js";
import type { RegisterCommand } from "./types.js";

interface SfxOptions extends CommonFlags {
  output?: string;
  /** The spelling before -o/--output: refused, since --out names a folder everywhere. */
  out?: string;
  json?: boolean;
  platform: SfxPlatform;
  entry?: string;
  arg: string[];
  stub?: string;
}

const FOUND_BY: Record<CabinetFoundBy, string> = {
  header: "where the package header says",
  search: "found by searching for an MS-CAB header",
  cabinet: "the file is a cabinet",
};

export const registerSfx: RegisterCommand = (program) => {
  program
    .command("sfx")
    .description("wrap a cabinet in the self-extracting stub (the build's sfx stage alone)")
    .argument("<cabinet>", "the .cab to wrap")
    .addOption(outputFileOption("the package (required)", false))
    .addOption(new Option("--out <exe>").hideHelp())
    .addOption(
      new Option("--platform <platform>", "stub platform")
        .choices(Object.values(SfxPlatform))
        .default("x86"),
    )
    .option("--entry <command>", "program inside the cabinet to run after extracting")
    .option(
      "--arg <arg>",
      "a default argument for the entry command (repeatable)",
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option("--stub <exe>", "stub to use instead of the shipped one (e.g. a stamped copy)")
    .addOption(jsonOption("where the cabinet sits and the payload's CRC-32"))
    .action(async (cabinet: string, opts: SfxOptions) => {
      if (opts.out !== undefined) {
        throw new InputError(
          `sfx --out ${opts.out}: the package file is -o/--output FILE (--out names a folder in every command)`,
        );
      }
      const output = opts.output;
      if (output === undefined) throw new InputError("sfx: give the package to write: -o FILE");
      const r = await assembleSfx({
        platform: opts.platform,
        cabinetPath: cabinet,
        outPath: output,
        entry: opts.entry ? { command: opts.entry, args: opts.arg } : undefined,
        stubPath: opts.stub,
      });
      const crc = r.payloadCrc.toString(16).padStart(8, "0");
      if (opts.json) {
        process.stdout.write(jsonText(CliSchema.sfx, { path: output, ...r, payloadCrc: crc }));
        return;
      }
      outputFor(opts).status(
        `${output}: ${r.size} bytes, cabinet at byte ${r.cabinetOffset} (${r.cabinetSize} bytes), CRC-32 ${crc}`,
      );
    });
  program
    .command("locate")
    .description("print where the cabinet sits in a package (offset and size)")
    .argument("<package>", "a package .exe (or a .cab)")
    .addOption(jsonOption("the offset, size and how it was found"))
    .action((pkg: string, opts: { json?: boolean }) => {
      const at = locateCabinet(pkg);
      if (opts.json) {
        process.stdout.write(jsonText(CliSchema.locate, { path: pkg, ...at }));
        return;
      }
      process.stdout.write(
        `${pkg}: cabinet at byte ${at.offset}, ${at.size} bytes (${FOUND_BY[at.foundBy]})\n`,
      );
    });
};
