/**
 * Options several commands share, spelled and checked one way.
 */
import { Option } from "commander";

/**
 * `--json`, the same as `--format json`: given together with `--format`, the two are a
 * usage error (exit 2), not JSON chosen silently over the format asked for.
 */
export function jsonFormatOption(): Option {
  return new Option("--json", "print JSON (the same as --format json)").conflicts("format");
}
