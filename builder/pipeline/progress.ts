/**
 * Build progress: per stage and per file, with bytes. A bar on a terminal (cli-progress),
 * plain lines otherwise, nothing when silent. Always on stderr: stdout is for --json.
 * Wall-clock time appears here only, never in an output file.
 */
import cliProgress from "cli-progress";

export const BuildStage = {
  validate: "validate",
  collect: "collect",
  stage: "stage",
  sign: "sign",
  cabinet: "cabinet",
  sfx: "sfx",
  verify: "verify",
  publish: "publish",
} as const;
export type BuildStage = (typeof BuildStage)[keyof typeof BuildStage];

export interface BuildProgress {
  /** A stage starts; totalBytes is what `advance` will add up to (0 when unknown). */
  begin(stage: BuildStage, totalBytes: number, files: number): void;
  /** `bytes` more are done, working on `file`. */
  advance(file: string, bytes: number): void;
  end(stage: BuildStage): void;
  warn(message: string): void;
}

export const silentProgress: BuildProgress = {
  begin() {},
  advance() {},
  end() {},
  warn() {},
};

/** Milliseconds each stage took (bench/build.ts prints the shares). */
export class StageTimer implements BuildProgress {
  readonly ms = new Map<BuildStage, number>();
  private started = 0;
  constructor(private readonly inner: BuildProgress = silentProgress) {}
  begin(stage: BuildStage, totalBytes: number, files: number): void {
    this.started = performance.now();
    this.inner.begin(stage, totalBytes, files);
  }
  advance(file: string, bytes: number): void {
    this.inner.advance(file, bytes);
  }
  end(stage: BuildStage): void {
    this.ms.set(stage, (this.ms.get(stage) ?? 0) + performance.now() - this.started);
    this.inner.end(stage);
  }
  warn(message: string): void {
    this.inner.warn(message);
  }
}

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** How a display words a warning (cli/output.ts passes the CI annotation form). */
export interface ProgressOptions {
  readonly warning?: (message: string) => string;
}
const plainWarning = (message: string) => `warning: ${message}`;

/**
 * The stages whose files a log lists, one line each: the payload as it goes into the
 * cabinet (stamped), then the files published. Every other stage reads or writes the same
 * files again, and says so in its start and end lines only: in a CI log each file appears
 * once.
 */
const LISTED: ReadonlySet<BuildStage> = new Set([BuildStage.stage, BuildStage.publish]);

/**
 * Plain lines for logs: a line when a stage starts and when it ends (with its bytes and
 * time), and one line per file in the LISTED stages, each file once.
 */
export function lineProgress(
  out: NodeJS.WritableStream = process.stderr,
  opts: ProgressOptions = {},
): BuildProgress {
  const warning = opts.warning ?? plainWarning;
  let done = 0;
  let started = 0;
  let listing: Set<string> | undefined;
  return {
    begin(stage, totalBytes, files) {
      done = 0;
      started = performance.now();
      listing = LISTED.has(stage) ? new Set() : undefined;
      out.write(
        `${stage}: ${files} file${files === 1 ? "" : "s"}${totalBytes ? `, ${mb(totalBytes)}` : ""}\n`,
      );
    },
    advance(file, bytes) {
      done += bytes;
      if (!listing || listing.has(file)) return;
      listing.add(file);
      out.write(`  ${file} (${bytes} bytes)\n`);
    },
    end(stage) {
      out.write(
        `${stage}: done${done ? `, ${mb(done)}` : ""} in ${seconds(performance.now() - started)}\n`,
      );
    },
    warn(message) {
      out.write(`${warning(message)}\n`);
    },
  };
}

/** The figures of a build's one summary line (and of `build --json`'s `summary`). */
export interface BuildSummary {
  readonly files: number;
  /** The payload: the files as packed (after stamping and signing). */
  readonly bytesIn: number;
  /** The package executable. */
  readonly bytesOut: number;
  /** bytesOut / bytesIn, to 3 places (0 when nothing went in). */
  readonly ratio: number;
  /** Wall-clock seconds the build took, to 0.1 s. */
  readonly seconds: number;
}

export function buildSummary(
  record: {
    readonly files: readonly { readonly size: number }[];
    readonly executable: { readonly size: number };
  },
  ms: number,
): BuildSummary {
  const bytesIn = record.files.reduce((n, f) => n + f.size, 0);
  const bytesOut = record.executable.size;
  return {
    files: record.files.length,
    bytesIn,
    bytesOut,
    ratio: bytesIn > 0 ? Math.round((bytesOut / bytesIn) * 1000) / 1000 : 0,
    seconds: Math.round(ms / 100) / 10,
  };
}

/** "64 files, 23.6 MB in (…bytes), 12.1 MB out (…bytes), 54.0% of the input, 14.2 s". */
export function formatBuildSummary(s: BuildSummary): string {
  return `${s.files} file${s.files === 1 ? "" : "s"}, ${mb(s.bytesIn)} in (${s.bytesIn} bytes), ${mb(s.bytesOut)} out (${s.bytesOut} bytes), ${(s.ratio * 100).toFixed(1)}% of the input, ${seconds(s.seconds * 1000)}`;
}

/** A bar per stage on a terminal. */
export function barProgress(
  out: NodeJS.WriteStream = process.stderr,
  opts: ProgressOptions = {},
): BuildProgress {
  const warning = opts.warning ?? plainWarning;
  let bar: cliProgress.SingleBar | undefined;
  let done = 0;
  let total = 0;
  return {
    begin(stage, totalBytes, files) {
      done = 0;
      total = totalBytes || files || 1;
      bar = new cliProgress.SingleBar(
        {
          stream: out,
          format: `${stage.padEnd(8)} [{bar}] {percentage}% | {value_mb}/{total_mb} | {file}`,
          hideCursor: true,
          clearOnComplete: false,
          barsize: 24,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { file: "", value_mb: mb(0), total_mb: mb(totalBytes) });
    },
    advance(file, bytes) {
      done += bytes || (total === 0 ? 0 : 1);
      bar?.update(Math.min(done, total), { file, value_mb: mb(done) });
    },
    end() {
      bar?.update(total, { file: "" });
      bar?.stop();
      bar = undefined;
    },
    warn(message) {
      out.write(`${warning(message)}\n`);
    },
  };
}

/**
 * The right display for a stream: a bar on a terminal, lines in a log (a stream that is no
 * terminal, or a CI service that gives its log a pseudo-terminal and sets CI).
 */
export function progressFor(
  out: NodeJS.WriteStream = process.stderr,
  opts: ProgressOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): BuildProgress {
  return out.isTTY && !env.CI ? barProgress(out, opts) : lineProgress(out, opts);
}
