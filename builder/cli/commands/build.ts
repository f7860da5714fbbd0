import { relative } from "node:path";
import { makeDemoDrop } from "../../demo/drop.js";
import { formatPlanChange } from "../../install/compare.js";
import { loadManifest } from "../../manifest/load.js";
import { type BuildResult, build } from "../../pipeline/build.js";
import {
  type BuildProgress,
  type BuildSummary,
  buildSummary,
  formatBuildSummary,
  progressFor,
  silentProgress,
} from "../../pipeline/progress.js";
import type { SigningRequest } from "../../sign/stage.js";
import { ExitCode, InputError } from "../../util/errors.js";
import { bundledPath } from "../../util/package-root.js";
import { formatMismatch } from "../../verify/compare.js";
import { verifyAgainstRecord, verifyPackage, verifySummary } from "../../verify/verify.js";
import { AnnotationStyle, type CliOutput, type CommonFlags, outputFor } from "../output.js";
import { buildJson } from "./json.js";
import { jsonOption, outDirOption } from "./options.js";
import type { RegisterCommand } from "./types.js";

/** The build's one summary line. */
function summaryLine(result: BuildResult, summary: BuildSummary): string {
  return `built ${result.layout.exe}: ${formatBuildSummary(summary)}, sha256 ${result.record.executable.sha256}`;
}

/**
 * Progress on stderr (none with --quiet); warnings as plain "warning: ..." lines, or as
 * annotations in a CI service's log.
 */
function progressOf(out: CliOutput): BuildProgress {
  if (out.quiet) return silentProgress;
  return progressFor(
    process.stderr,
    out.style === AnnotationStyle.none ? {} : { warning: (m) => out.line("warning", m) },
  );
}

async function toolkit() {
  return (await import("../../pipeline/toolkit-default.js")).defaultToolkit();
}

interface BuildCliOptions extends CommonFlags {
  drop: string;
  out: string;
  json?: boolean;
  signCert?: string;
  signKey?: string;
  signPassEnv?: string;
  signCommand?: string;
  signNest?: boolean;
  timestampUrl?: string;
  updateManifest?: boolean;
  failOnUnclaimed?: boolean;
}

/** The signing request from build's options (none when no identity is given). */
function signingOptions(o: BuildCliOptions): { signing?: SigningRequest } {
  if (o.signCommand && o.signCert) {
    throw new InputError("--sign-command and --sign-cert: give one signer, not both");
  }
  if (o.signKey && !o.signCert) throw new InputError("--sign-key needs --sign-cert");
  if (!o.signCert && !o.signCommand && !o.signNest && !o.timestampUrl && !o.signPassEnv) {
    return {};
  }
  return {
    signing: {
      ...(o.signCert ? { cert: o.signCert } : {}),
      ...(o.signKey ? { key: o.signKey } : {}),
      ...(o.signPassEnv ? { passwordEnv: o.signPassEnv } : {}),
      ...(o.signCommand ? { command: [o.signCommand] } : {}),
      ...(o.signNest ? { nest: true } : {}),
      ...(o.timestampUrl ? { timestampUrl: o.timestampUrl } : {}),
    },
  };
}

export const registerBuild: RegisterCommand = (program) => {
  program
    .command("build")
    .description("build, verify and publish a package: out/NAME/NAME.exe, .cab, .build.json, .html")
    .argument("<manifest>", "manifest file")
    .requiredOption("--drop <dir>", "the build drop holding the files")
    .addOption(outDirOption("output root: the package goes into DIR/NAME/", "out"))
    .addOption(jsonOption("the summary and the build record"))
    .option("--sign-cert <file>", "sign the marked payload files and the package (PEM, or .pfx)")
    .option("--sign-key <file>", "private key of --sign-cert")
    .option("--sign-pass-env <var>", "environment variable holding the password of the key")
    .option("--sign-command <program>", "external signer, run as PROGRAM UNSIGNED SIGNED-OUT")
    .option("--sign-nest", "a SHA-1 signature with a nested SHA-256 one (old Windows)")
    .option("--timestamp-url <url>", "RFC 3161 time-stamp authority (retried; none by default)")
    .option(
      "--update-manifest",
      "lock what was built: sizes are not checked, and each file's shipped size is written into the manifest after publishing (comments and order kept)",
    )
    .option(
      "--fail-on-unclaimed",
      "a drop file no entry claims and no drop.exclude pattern matches fails the build (exit 2), whatever drop.unclaimed says",
    )
    .action(async (manifest: string, opts: BuildCliOptions) => {
      const out = outputFor(opts);
      const started = performance.now();
      const result = await build({
        manifest,
        drop: opts.drop,
        out: opts.out,
        progress: progressOf(out),
        toolkit: await toolkit(),
        ...signingOptions(opts),
        ...(opts.updateManifest ? { updateManifest: true } : {}),
        ...(opts.failOnUnclaimed ? { unclaimed: "error" as const } : {}),
      });
      if (result.manifestUpdated !== undefined) {
        out.note(
          `cabwright: ${manifest}: ${result.manifestUpdated === 0 ? "every size already as built; not rewritten" : `${result.manifestUpdated} file size(s) written as built`}`,
        );
      }
      const summary = buildSummary(result.record, performance.now() - started);
      if (opts.json) {
        process.stdout.write(buildJson(result.layout.exe, summary, result.record));
      } else {
        out.status(summaryLine(result, summary));
      }
    });
};

export const registerVerify: RegisterCommand = (program, setExitCode) => {
  program
    .command("verify")
    .description(
      "check a package (.exe or .cab) as the stub does, every file against its manifest (or, without --manifest, its build record), and every file's bytes against its build record (exit 1 on a mismatch)",
    )
    .argument("<package>", "NAME.exe or NAME.cab")
    .option(
      "--manifest <file>",
      "the manifest the package was built from (default: verify against the build record alone)",
    )
    .option(
      "--record <file>",
      "the build record to compare bytes with (default: NAME.build.json beside the package)",
    )
    .addOption(jsonOption())
    .option("--ca <file>", "CA certificates (PEM) every signature must chain to")
    .action(
      async (
        pkg: string,
        opts: CommonFlags & { manifest?: string; record?: string; json?: boolean; ca?: string },
      ) => {
        const out = outputFor(opts);
        const common = {
          ...(opts.record !== undefined ? { record: opts.record } : {}),
          ...(opts.ca ? { signatures: { ca: opts.ca } } : {}),
        };
        const report =
          opts.manifest !== undefined
            ? await verifyPackage(pkg, await loadManifest(opts.manifest), await toolkit(), common)
            : await verifyAgainstRecord(pkg, await toolkit(), common);
        const label = opts.manifest ?? "its build record (no --manifest given)";
        if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else {
          if (opts.manifest === undefined) {
            out.status(
              `verifying against the build record ${report.manifest}: each file's name, path, version, size, date, time, platform and SHA-256 as recorded, and the install plan it records`,
            );
          }
          // The mismatches are the problems verify finds: printed with --quiet too.
          for (const m of report.mismatches) process.stdout.write(`${formatMismatch(m)}\n`);
          for (const c of report.plan) process.stdout.write(`${formatPlanChange(c)}\n`);
          if (!report.ok || !out.quiet) process.stdout.write(`${verifySummary(report, label)}\n`);
        }
        // In a CI log, each mismatch is also an annotation of the package.
        for (const m of report.mismatches) out.annotate("error", pkg, formatMismatch(m));
        for (const c of report.plan) out.annotate("error", pkg, formatPlanChange(c));
        if (!report.ok) setExitCode(ExitCode.checkFailed);
      },
    );
};

/** The seed rollup's manifest, named relative to the working folder when it can be. */
function demoManifest(): string {
  const path = bundledPath("manifest", "fse-sp2-hr2.yaml");
  const rel = relative(process.cwd(), path);
  return rel.startsWith("..") ? path : rel;
}

export const registerDemo: RegisterCommand = (program) => {
  program
    .command("demo")
    .description("make a build drop for the bundled fse-sp2-hr2 manifest, then build it")
    .option("--manifest <file>", "manifest to make a drop for", demoManifest())
    .option("--drop <dir>", "where to write the drop", "out/demo-drop")
    .addOption(outDirOption("output root: the package goes into DIR/NAME/", "out"))
    .action(async (opts: CommonFlags & { manifest: string; drop: string; out: string }) => {
      const out = outputFor(opts);
      const loaded = await loadManifest(opts.manifest);
      const tk = await toolkit();
      out.note(`demo: writing the build drop into ${opts.drop}`);
      await makeDemoDrop(loaded.manifest, opts.drop, tk);
      const started = performance.now();
      const result = await build({
        manifest: opts.manifest,
        drop: opts.drop,
        out: opts.out,
        progress: progressOf(out),
        toolkit: tk,
      });
      const summary = buildSummary(result.record, performance.now() - started);
      out.status(
        `${summaryLine(result, summary)}\ntry: cabwright table ${result.layout.exe} --format tsv`,
      );
    });
};
