import { compilePlan } from "../../install/compile.js";
import type { InstallPlan } from "../../install/plan.js";
import { applicabilityRules } from "../../install/wsus.js";
import { parseManifest } from "../../manifest/load.js";
import { checkBuildRecord, looksLikeBuildRecord } from "../../pipeline/record-check.js";
import { readPackagePlan } from "../../sfx/package-plan.js";
import { InputError } from "../../util/errors.js";
import { readInputFile, writeFileAtomic } from "../../util/fs.js";
import { outputFileOption } from "./options.js";
import type { RegisterCommand } from "./types.js";

/** The install plan of a manifest, a build record or a package executable. */
async function planOf(file: string): Promise<InstallPlan | undefined> {
  if (/\.exe$/i.test(file)) return readPackagePlan(file);
  const bytes = await readInputFile(file, "the input");
  if (/\.json$/i.test(file)) {
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString("utf8"));
    } catch {
      value = undefined;
    }
    if (looksLikeBuildRecord(value)) return checkBuildRecord(file, value).install?.plan;
  }
  return compilePlan(parseManifest(file, bytes).manifest);
}

export const registerRules: RegisterCommand = (program) => {
  program
    .command("rules")
    .description(
      "write the update-server (WSUS) applicability rules, IsInstalled and IsInstallable, of a package's install plan",
    )
    .argument(
      "<input>",
      "manifest (YAML/JSON), build record (NAME.build.json) or package (NAME.exe)",
    )
    .addOption(outputFileOption("the rules"))
    .action(async (file: string, opts: { output?: string }) => {
      const plan = await planOf(file);
      if (!plan) {
        throw new InputError(
          `${file}: has no install plan (install.product in the manifest); the rules say what cabwright's installer engine checks`,
        );
      }
      const xml = applicabilityRules(plan);
      if (opts.output) await writeFileAtomic(opts.output, xml);
      else process.stdout.write(xml);
    });
};
