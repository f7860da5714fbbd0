/**
 * What a command prints besides its data, in one place: status lines (silenced by
 * --quiet), warnings, and every problem line, in the form the CI service reading the log
 * turns into annotations (GitHub Actions workflow commands, Azure Pipelines logging
 * commands) or plain "cabwright: ..." lines. Both services read the commands on stderr as
 * well as stdout, so problems stay on stderr and stdout keeps the data (--json).
 */
import { isAbsolute, relative, resolve } from "node:path";
import { InputError, type LocatedProblem, locateProblem } from "../util/errors.js";

/** How problem lines are written: `--annotations`, or chosen from the environment. */
export const AnnotationStyle = {
  /** "cabwright: FILE:LINE:COL message", "cabwright: warning: ...". */
  none: "none",
  /** `::error file=F,line=L,col=C::message` (GitHub Actions workflow commands). */
  github: "github",
  /** `##vso[task.logissue type=error;sourcepath=F;linenumber=L;columnnumber=C]message`. */
  azure: "azure",
} as const;
export type AnnotationStyle = (typeof AnnotationStyle)[keyof typeof AnnotationStyle];
export const ANNOTATION_STYLES = Object.values(AnnotationStyle);

/**
 * The style a CI service's own variables ask for: GitHub Actions sets GITHUB_ACTIONS=true,
 * Azure Pipelines sets TF_BUILD=True; anywhere else, plain lines.
 */
export function annotationStyleFromEnv(env: NodeJS.ProcessEnv = process.env): AnnotationStyle {
  if (env.GITHUB_ACTIONS === "true") return AnnotationStyle.github;
  if (env.TF_BUILD?.toLowerCase() === "true") return AnnotationStyle.azure;
  return AnnotationStyle.none;
}

export type Severity = "error" | "warning";

/** GitHub's escapes (actions/toolkit's command.ts): the message, then a property value. */
const githubData = (s: string) =>
  s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
const githubProperty = (s: string) => githubData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
/** Azure's escapes (azure-pipelines-task-lib's taskcommand.ts). */
const azureData = (s: string) =>
  s.replace(/%/g, "%AZP25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
const azureProperty = (s: string) => azureData(s).replace(/]/g, "%5D").replace(/;/g, "%3B");

/**
 * The file as the service links it: GitHub wants a path from the repository root
 * (GITHUB_WORKSPACE), Azure an absolute path.
 */
function annotatedPath(file: string, style: AnnotationStyle, env: NodeJS.ProcessEnv): string {
  if (style === AnnotationStyle.azure) return resolve(file);
  const root = env.GITHUB_WORKSPACE;
  if (!root) return file;
  const rel = relative(root, resolve(file));
  return rel.startsWith("..") || isAbsolute(rel) ? file : rel.split("\\").join("/");
}

/**
 * A problem to print: `text` is the line as the library wrote it (printed as it is in
 * plain style), `at` its parts for an annotation.
 */
export interface ProblemLine {
  readonly text: string;
  readonly at: LocatedProblem;
}

/** One problem as one line (no newline) in `style`. */
export function formatProblemLine(
  severity: Severity,
  { text, at: p }: ProblemLine,
  style: AnnotationStyle,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const where = p.file !== undefined ? annotatedPath(p.file, style, env) : undefined;
  switch (style) {
    case AnnotationStyle.github: {
      const props = [
        where !== undefined ? `file=${githubProperty(where)}` : "",
        p.line !== undefined ? `line=${p.line}` : "",
        p.column !== undefined ? `col=${p.column}` : "",
      ].filter(Boolean);
      return `::${severity}${props.length ? ` ${props.join(",")}` : ""}::${githubData(p.message)}`;
    }
    case AnnotationStyle.azure: {
      const props = [
        `type=${severity}`,
        where !== undefined ? `sourcepath=${azureProperty(where)}` : "",
        p.line !== undefined ? `linenumber=${p.line}` : "",
        p.column !== undefined ? `columnnumber=${p.column}` : "",
      ].filter(Boolean);
      return `##vso[task.logissue ${props.join(";")}]${azureData(p.message)}`;
    }
    default:
      return `cabwright: ${severity === "warning" ? "warning: " : ""}${text}`;
  }
}

/** A line of text as a problem, located when it starts FILE:LINE:COL. */
export const problemLine = (text: string): ProblemLine => ({ text, at: locateProblem(text) });

/**
 * The problems an error reports, each where it is: an InputError's message and details,
 * the cab library's error with the file it names, any other user error as its message.
 */
export function problemsOf(err: unknown): readonly ProblemLine[] {
  if (err instanceof InputError) {
    const texts = [err.message, ...err.details];
    return err.problems.map((at, i) => ({ text: texts[i]!, at }));
  }
  const text = err instanceof Error ? err.message : String(err);
  const line = problemLine(text);
  const file = (err as { file?: unknown } | null)?.file;
  if (
    line.at.file === undefined &&
    (err as Error)?.name === "CabError" &&
    typeof file === "string"
  ) {
    return [{ text, at: { ...line.at, file } }];
  }
  return [line];
}

/** The flags every command takes (options.ts defines them). */
export interface CommonFlags {
  readonly quiet?: boolean;
  readonly annotations?: AnnotationStyle;
}

/** Where a command's status lines, warnings and problems go. */
export interface CliOutput {
  readonly quiet: boolean;
  readonly style: AnnotationStyle;
  /** A line saying what was done (stdout); nothing with --quiet. */
  status(line: string): void;
  /** A line about progress (stderr); nothing with --quiet. */
  note(line: string): void;
  /** A warning, located when the message starts FILE:LINE:COL; nothing with --quiet. */
  warn(message: string): void;
  /** Every problem of a user error (always printed). */
  error(err: unknown): void;
  /**
   * A problem a command's report already prints as a line of its own (verify's
   * mismatches, diff's findings), also written as an annotation for the CI service;
   * nothing in plain style, where the report's line says it. `where` is a file, or
   * FILE:LINE:COL.
   */
  annotate(severity: Severity, where: string, message: string): void;
  /** One problem line as `warn` or `error` would print it (for progress displays). */
  line(severity: Severity, message: string): string;
}

export function outputFor(
  flags: CommonFlags = {},
  env: NodeJS.ProcessEnv = process.env,
  streams: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process,
): CliOutput {
  const quiet = flags.quiet === true;
  const style = flags.annotations ?? annotationStyleFromEnv(env);
  const format = (severity: Severity, p: ProblemLine) => formatProblemLine(severity, p, style, env);
  const line = (severity: Severity, message: string) => format(severity, problemLine(message));
  return {
    quiet,
    style,
    status(text) {
      if (!quiet) streams.stdout.write(`${text}\n`);
    },
    note(text) {
      if (!quiet) streams.stderr.write(`${text}\n`);
    },
    warn(message) {
      if (!quiet) streams.stderr.write(`${line("warning", message)}\n`);
    },
    error(err) {
      for (const p of problemsOf(err)) streams.stderr.write(`${format("error", p)}\n`);
    },
    annotate(severity, where, message) {
      if (style === AnnotationStyle.none) return;
      const p = locateProblem(where);
      const at =
        p.file !== undefined
          ? { file: p.file, line: p.line, column: p.column, message }
          : { file: where, line: undefined, column: undefined, message };
      streams.stderr.write(`${format(severity, { text: message, at })}\n`);
    },
    line,
  };
}
