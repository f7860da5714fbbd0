/** The problem lines `check` reports for manifest text ([] when it loads). */
import { InputError, parseManifest } from "cabwright";

export function problemsOf(text: string, file = "m.yaml"): string[] {
  try {
    parseManifest(file, text);
  } catch (err) {
    if (err instanceof InputError) return [err.message, ...err.details];
    throw err;
  }
  return [];
}
