/**
 * Options several commands share, spelled and checked one way. One name for one thing:
 * `--out DIR` is always a folder written into, `-o, --output FILE` always one file written,
 * `--json` always JSON on stdout, `--quiet` always "errors only".
 */
import { type Command, Option } from "commander";
import { ANNOTATION_STYLES } from "../output.js";

/**
 * `--json` where a command also has `--format`: the same as `--format json`. Given together
 * with `--format`, the two are a usage error (exit 2), not JSON chosen silently over the
 * format asked for.
 */
export function jsonFormatOption(): Option {
  return new Option("--json", "print JSON (the same as --format json)").conflicts("format");
}

/** `--json` on a command with no `--format`: the report as JSON on stdout. */
export function jsonOption(what?: string): Option {
  return new Option("--json", `print the report as JSON on stdout${what ? `: ${what}` : ""}`);
}

/** `-o, --output FILE`: the one file a command writes (instead of stdout, when it can). */
export function outputFileOption(what: string, orStdout = true): Option {
  return new Option(
    "-o, --output <file>",
    `write ${what} to FILE (atomically)${orStdout ? " instead of stdout" : ""}`,
  );
}

/** `--out DIR`: the folder a command writes its files into. */
export function outDirOption(what: string, defaultDir?: string): Option {
  const option = new Option("--out <dir>", what);
  return defaultDir === undefined ? option : option.default(defaultDir);
}

/**
 * The options every command takes, added to each by cli/main.ts: `--quiet` (only problems
 * and the data asked for; the exit code is the same) and `--annotations`.
 */
export function addCommonOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "-q, --quiet",
        "print only problems (and the data asked for: JSON, a table, an article); the exit code is unchanged",
      ),
    )
    .addOption(
      new Option(
        "--annotations <style>",
        "problem lines as GitHub Actions (github) or Azure Pipelines (azure) annotations, or plain (none); default: from GITHUB_ACTIONS=true or TF_BUILD=True",
      ).choices(ANNOTATION_STYLES),
    );
}
