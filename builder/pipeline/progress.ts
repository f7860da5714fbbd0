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

/** Plain lines: one per stage start and end, one per file. */
export function lineProgress(out: NodeJS.WritableStream = process.stderr): BuildProgress {
  let done = 0;
  return {
    begin(stage, totalBytes, files) {
      done = 0;
      out.write(`${stage}: ${files} file(s)${totalBytes ? `, ${mb(totalBytes)}` : ""}\n`);
    },
    advance(file, bytes) {
      done += bytes;
      out.write(`  ${file} (${bytes} bytes)\n`);
    },
    end(stage) {
      out.write(`${stage}: done${done ? ` (${mb(done)})` : ""}\n`);
    },
    warn(message) {
      out.write(`warning: ${message}\n`);
    },
  };
}

/** A bar per stage on a terminal. */
export function barProgress(out: NodeJS.WriteStream = process.stderr): BuildProgress {
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
      out.write(`warning: ${message}\n`);
    },
  };
}

/** The right display for a stream: a bar on a TTY, lines otherwise. */
export function progressFor(out: NodeJS.WriteStream = process.stderr): BuildProgress {
  return out.isTTY ? barProgress(out) : lineProgress(out);
}
