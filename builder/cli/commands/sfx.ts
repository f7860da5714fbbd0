import { Option } from "commander";
import { assembleSfx } from "../../sfx/assemble.js";
import { SfxPlatform } from "../../sfx/constants.js";
import { locateCabinet } from "../../sfx/locate.js";
import type { RegisterCommand } from "./types.js";

export const registerSfx: RegisterCommand = (program) => {
  program
    .command("sfx")
    .description("wrap a cabinet in the self-extracting stub (the build's sfx stage alone)")
    .argument("<cabinet>", "the .cab to wrap")
    .requiredOption("-o, --out <exe>", "package to write")
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
    .action(
      async (
        cabinet: string,
        opts: { out: string; platform: SfxPlatform; entry?: string; arg: string[]; stub?: string },
      ) => {
        const r = await assembleSfx({
          platform: opts.platform,
          cabinetPath: cabinet,
          outPath: opts.out,
          entry: opts.entry ? { command: opts.entry, args: opts.arg } : undefined,
          stubPath: opts.stub,
        });
        process.stdout.write(
          `${opts.out}: ${r.size} bytes, cabinet at byte ${r.cabinetOffset} (${r.cabinetSize} bytes), CRC-32 ${r.payloadCrc.toString(16).padStart(8, "0")}\n`,
        );
      },
    );
  program
    .command("locate")
    .description("print where the cabinet sits in a package (offset and size, as JSON)")
    .argument("<package>", "a package .exe (or a .cab)")
    .action((pkg: string) => {
      process.stdout.write(`${JSON.stringify(locateCabinet(pkg))}\n`);
    });
};
