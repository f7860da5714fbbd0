import { relative } from "node:path";
import { makeDemoDrop } from "../../demo/drop.js";
import { formatPlanChange } from "../../install/compare.js";
import { loadManifest } from "../../manifest/load.js";
import { build } from "../../pipeline/build.js";
import { recordJson } from "../../pipeline/make-record.js";
import { progressFor } from "../../pipeline/progress.js";
import type { SigningRequest } from "../../sign/stage.js";
import { ExitCode, InputError } from "../../util/errors.js";
import { bundledPath } from "../../util/package-root.js";
import { formatMismatch } from "../../verify/compare.js";
import { verifyAgainstRecord, verifyPackage, verifySummary } from "../../verify/verify.js";
import type { RegisterCommand } from "./types.js";

async function toolkit() {
  return (await import("../../pipeline/toolkit-default.js")).defaultToolkit();
}

interface BuildCliOptions {
  drop: string;
  out: string;
  json?: boolean;
  signCert?: string;
  signKey?: string;
  signPassEnv?: string;
  signCommand?: string;
  signNest?: boolean;
  timestampUrl?: string;
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
    .option("--out <dir>", "output root", "out")
    .option("--json", "print the build record on stdout")
    .option("--sign-cert <file>", "sign the marked payload files and the package (PEM, or .pfx)")
    .option("--sign-key <file>", "private key of --sign-cert")
    .option("--sign-pass-env <var>", "environment variable holding the password of the key")
    .option("--sign-command <program>", "external signer, run as PROGRAM UNSIGNED SIGNED-OUT")
    .option("--sign-nest", "a SHA-1 signature with a nested SHA-256 one (old Windows)")
    .option("--timestamp-url <url>", "RFC 3161 time-stamp authority (retried; none by default)")
    .action(async (manifest: string, opts: BuildCliOptions) => {
      const result = await build({
        manifest,
        drop: opts.drop,
        out: opts.out,
        progress: progressFor(process.stderr),
        toolkit: await toolkit(),
        ...signingOptions(opts),
      });
      if (opts.json) process.stdout.write(recordJson(result.record));
      else {
        const exe = result.record.executable;
        process.stdout.write(
          `built ${result.layout.exe} (${result.record.files.length} files, ${exe.size} bytes, sha256 ${exe.sha256})\n`,
        );
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
    .option("--json", "print the report as JSON")
    .option("--ca <file>", "CA certificates (PEM) every signature must chain to")
    .action(
      async (
        pkg: string,
        opts: { manifest?: string; record?: string; json?: boolean; ca?: string },
      ) => {
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
            process.stdout.write(
              `verifying against the build record ${report.manifest}: each file's name, path, version, size, date, time, platform and SHA-256 as recorded, and the install plan it records\n`,
            );
          }
          for (const m of report.mismatches) process.stdout.write(`${formatMismatch(m)}\n`);
          for (const c of report.plan) process.stdout.write(`${formatPlanChange(c)}\n`);
          process.stdout.write(`${verifySummary(report, label)}\n`);
        }
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
    .option("--out <dir>", "output root", "out")
    .action(async (opts: { manifest: string; drop: string; out: string }) => {
      const loaded = await loadManifest(opts.manifest);
      const tk = await toolkit();
      process.stderr.write(`demo: writing the build drop into ${opts.drop}\n`);
      await makeDemoDrop(loaded.manifest, opts.drop, tk);
      const result = await build({
        manifest: opts.manifest,
        drop: opts.drop,
        out: opts.out,
        progress: progressFor(process.stderr),
        toolkit: tk,
      });
      process.stdout.write(
        `built ${result.layout.exe}\ntry: cabwright table ${result.layout.exe} --format tsv\n`,
      );
    });
};
