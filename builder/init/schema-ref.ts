/**
 * The `# yaml-language-server: $schema=` line a new manifest starts with. It names the
 * JSON Schema of the installed cabwright (manifest/manifest.schema.json in the package)
 * by a path relative to the folder the manifest is written to, as yaml-language-server
 * resolves a relative $schema against the document's own folder: so it resolves wherever
 * the manifest lives, and keeps resolving when the project (manifest and node_modules)
 * moves as a whole. There is no published URL to name instead: the schema is the one of
 * the cabwright that will check the manifest.
 */
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { bundledPath } from "../util/package-root.js";

/** What the modeline starts with. */
export const SCHEMA_MODELINE = "# yaml-language-server: $schema=";

/**
 * The $schema reference for a manifest written to `manifest` (a path; relative ones are
 * taken from `cwd`). Printed to stdout (no path), it is relative to `cwd`, where a
 * redirection writes it.
 */
export function schemaReference(manifest: string | undefined, cwd = process.cwd()): string {
  const schema = bundledPath("manifest", "manifest.schema.json");
  const folder = manifest === undefined ? resolve(cwd) : dirname(resolve(cwd, manifest));
  const rel = relative(folder, schema);
  // Another drive on Windows: no relative path exists, a file URL does. The server reads
  // the reference up to the first space, so a path with one is given as a URL too.
  if (isAbsolute(rel) || /\s/.test(rel)) return pathToFileURL(schema).href;
  const posix = rel.split(sep).join("/");
  return posix.startsWith(".") ? posix : `./${posix}`;
}

/** The manifest text with its modeline naming `reference` (added first when it has none). */
export function withSchemaLine(yaml: string, reference: string): string {
  const line = `${SCHEMA_MODELINE}${reference}`;
  if (yaml.startsWith(SCHEMA_MODELINE)) {
    const end = yaml.indexOf("\n");
    return `${line}${end === -1 ? "" : yaml.slice(end)}`;
  }
  return `${line}\n${yaml}`;
}
