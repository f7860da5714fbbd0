#!/usr/bin/env node
/**
 * The cabwright command line: a thin command table over the library API.
 * Every command lives in commands/<name>.ts and calls exported library functions;
 * this file only parses arguments and maps errors to exit codes (see util/errors.ts).
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { ExitCode, exitCodeOf } from "../util/errors.js";
import { adoptSupervisor } from "../util/owner.js";
import { toolVersion } from "../util/version.js";
import { isGlibc, needsAllocatorRestart, rerunWithAllocator } from "./allocator.js";
import { commandsFor } from "./commands/index.js";
import { addCommonOptions } from "./commands/options.js";
import { type CliOutput, type CommonFlags, outputFor } from "./output.js";

/** Commands that run (no subcommands of their own): each takes the common options. */
function leafCommands(cmd: Command): Command[] {
  return cmd.commands.length === 0 ? [cmd] : cmd.commands.flatMap(leafCommands);
}

export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  // Until a command's own flags are parsed, problems are written as the environment says.
  let output: CliOutput = outputFor();
  const program = new Command()
    .name("cabwright")
    .description(
      "Build, verify and document Windows hotfix packages (manifest -> cab -> sfx -> KB)",
    )
    .version(toolVersion(), "-V, --version")
    // Program options only before the command: `stamp --version V` is the file version.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      outputError: (str, write) => {
        const [first = "", ...rest] = str.replace(/^error: /, "").split("\n");
        write([output.line("error", first), ...rest].join("\n"));
      },
    })
    .showHelpAfterError("(run with --help for usage)");
  // The first word that is not an option names the command (program options are -V, -h).
  // `--version` alone registers none: loading every command cost it 0.3 s (issue 18).
  const versionOnly = argv.length === 1 && (argv[0] === "-V" || argv[0] === "--version");
  const commands = versionOnly ? [] : await commandsFor(commandOf(argv));
  for (const register of commands) {
    register(program, (code) => {
      exitCode = Math.max(exitCode, code);
    });
  }
  for (const cmd of program.commands) cmd.exitOverride();
  for (const cmd of leafCommands(program)) {
    if (cmd !== program) addCommonOptions(cmd);
  }
  program.hook("preAction", (_program, action) => {
    output = outputFor(action.opts<CommonFlags>());
  });
  try {
    await program.parseAsync(argv as string[], { from: "user" });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.badInput;
    }
    const code = exitCodeOf(err);
    if (code !== undefined) {
      // The one place a failed command's problems are printed (in the --annotations style).
      output.error(err);
      return code;
    }
    process.stderr.write(
      `cabwright: internal error (this is a bug, please report it):\n${(err as Error)?.stack ?? String(err)}\n`,
    );
    return ExitCode.bug;
  }
}

function isEntryPoint(): boolean {
  const arg = process.argv[1];
  if (!arg) return false;
  try {
    return realpathSync(arg) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/**
 * A reader that goes away early (`cabwright table M | head -1`) is not an error: what it
 * did not read is dropped, the command runs to its end (a build still publishes whole, or
 * not at all) and exits with its own code. Without this, Node throws EPIPE with a stack.
 */
function dropWritesToClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE" || err.code === "ERR_STREAM_DESTROYED") return;
      throw err;
    });
  }
}

/** The command line's command: its first word that is not an option (as main() finds it). */
function commandOf(argv: readonly string[]): string | undefined {
  return argv.find((a) => !a.startsWith("-"));
}

async function run(argv: readonly string[]): Promise<number> {
  // A restarted build: its first process is this run's owner, and its end is this one's.
  adoptSupervisor();
  // A build runs with glibc's mmap threshold fixed, in a process started with it
  // (allocator.ts): then its peak memory does not grow with the drop.
  if (
    needsAllocatorRestart(commandOf(argv), {
      platform: process.platform,
      env: process.env,
      glibc: isGlibc,
    })
  ) {
    const code = await rerunWithAllocator();
    if (code !== undefined) return code;
  }
  return main(argv);
}

if (isEntryPoint()) {
  dropWritesToClosedPipes();
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`cabwright: internal error: ${(err as Error)?.stack ?? err}\n`);
      process.exitCode = ExitCode.bug;
    },
  );
}
