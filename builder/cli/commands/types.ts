import type { Command } from "commander";

/** Reports a command's exit code (the highest reported wins). */
export type SetExitCode = (code: number) => void;

/** Each command module exports one of these; commands/index.ts lists them. */
export type RegisterCommand = (program: Command, setExitCode: SetExitCode) => void;
