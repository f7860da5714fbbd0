/**
 * Load a manifest (YAML, or JSON) into the typed model, with defaults applied.
 * Every problem found is reported, each as one line "file:line:col field: problem".
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject } from "ajv";
import { rangeAcceptsNothing } from "../install/range.js";
import { InputError } from "../util/errors.js";
import { readInputFile } from "../util/fs.js";
import { bundledPath } from "../util/package-root.js";
import { DEFAULT_UNCLAIMED, excludePatternProblem } from "./drop-rules.js";
import { type RawFileInstall, type RawInstall, resolveInstall } from "./install-section.js";
import { type SemanticView, semanticView } from "./semantic-view.js";
import { formatPath, type PathSegment, parseSource, type SourceDocument } from "./source.js";
import {
  type CompressionLevel,
  type DropRules,
  type Fix,
  type Manifest,
  type ManifestFile,
  type PackageInfo,
  type PackagePlatform,
  type Platform,
  ProductVersionRule,
  type Restart,
  type SigningSection,
  type UnclaimedPolicy,
} from "./types.js";
import {
  dateProblem,
  isDeviceName,
  MAX_PACKAGE_FILES,
  packagePathProblem,
  rangeProblem,
  sourceProblem,
  versionProblem,
} from "./validate-fields.js";

/** The cabinet's compression when the manifest names none (what packages always had). */
const DEFAULT_COMPRESSION = "mszip";

export interface LoadedManifest {
  readonly manifest: Manifest;
  /** The path it was read from, as given. */
  readonly file: string;
  /** SHA-256 of the manifest's bytes, hex. */
  readonly digest: string;
  /** Where a value stands in the manifest: "file:line:col". */
  position(path: readonly PathSegment[]): string;
}

export interface Problem {
  readonly at: string;
  readonly field: string;
  readonly message: string;
}

export function formatProblem(p: Problem): string {
  return `${p.at} ${p.field}: ${p.message}`;
}

/** Read and validate a manifest file; throws InputError listing every problem. */
export async function loadManifest(file: string): Promise<LoadedManifest> {
  const bytes = await readInputFile(file, "the manifest");
  return parseManifest(file, bytes);
}

/** Validate manifest text already in memory (`file` names it in messages). */
export function parseManifest(file: string, bytes: Uint8Array | string): LoadedManifest {
  const text =
    typeof bytes === "string" ? bytes : new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  const digest = createHash("sha256").update(bytes).digest("hex");
  const { doc, problems: syntax } = parseSource(file, text);
  if (syntax.length > 0) {
    throw problemsError(syntax.map((s) => ({ at: s.at, field: "(document)", message: s.message })));
  }
  // Every problem in one run: the semantic checks look at what the schema accepted.
  const schema = schemaProblems(doc);
  const problems = [...nulProblems(doc), ...schema.problems];
  const view = semanticView(doc.value, schema.broken);
  const manifest = view ? resolve(doc, view, problems) : undefined;
  if (problems.length > 0 || !manifest) throw problemsError(problems);
  return { manifest, file, digest, position: (path) => doc.position(path) };
}

function problemsError(problems: Problem[]): InputError {
  const sorted = [...problems].sort((a, b) => comparePositions(a.at, b.at));
  const lines = sorted.map(formatProblem);
  return new InputError(lines[0]!, lines.slice(1));
}

function comparePositions(a: string, b: string): number {
  const pa = /:(\d+):(\d+)$/.exec(a);
  const pb = /:(\d+):(\d+)$/.exec(b);
  if (!pa || !pb) return 0;
  return Number(pa[1]) - Number(pb[1]) || Number(pa[2]) - Number(pb[2]);
}

// ---------------------------------------------------------------------------------------
// Schema pass: types, required and unknown keys, formats (the JSON Schema in manifest/).

type Validator = ReturnType<Ajv["compile"]>;
let validator: Validator | undefined;

function schemaValidator(): Validator {
  if (!validator) {
    const schema = JSON.parse(
      readFileSync(bundledPath("manifest", "manifest.schema.json"), "utf8"),
    );
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    ajv.addKeyword({ keyword: "x-expected", schemaType: "string" });
    validator = ajv.compile(schema);
  }
  return validator;
}

/** The schema's problems, and the instance paths of the values it refused. */
function schemaProblems(doc: SourceDocument): {
  problems: Problem[];
  broken: PathSegment[][];
} {
  const validate = schemaValidator();
  if (validate(doc.value)) return { problems: [], broken: [] };
  const seen = new Set<string>();
  const out: Problem[] = [];
  const broken: PathSegment[][] = [];
  for (const e of validate.errors ?? []) {
    const refused = refusedPath(e);
    if (refused) broken.push(refused);
    const p = describeSchemaError(doc, e);
    if (!p) continue;
    const k = `${p.at}|${p.field}`;
    if (seen.has(k)) continue; // one line per place: the first reason is the clearest
    seen.add(k);
    out.push(p);
  }
  return { problems: out, broken };
}

/** The value an error refuses: a missing key's own path; none for an unknown key. */
function refusedPath(e: ErrorObject): PathSegment[] | undefined {
  const path = pointerToPath(e.instancePath);
  if (e.keyword === "additionalProperties") return undefined;
  if (e.keyword === "required") {
    return [...path, (e.params as { missingProperty: string }).missingProperty];
  }
  return path;
}

function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describeSchemaError(doc: SourceDocument, e: ErrorObject): Problem | undefined {
  const path = pointerToPath(e.instancePath);
  const expected = (e.parentSchema as { "x-expected"?: string } | undefined)?.["x-expected"];
  const shown = JSON.stringify(e.data);
  switch (e.keyword) {
    case "additionalProperties": {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys(
        (e.parentSchema as { properties?: object }).properties ?? {},
      ).filter((k) => k !== "$schema");
      const hint = closest(key, allowed);
      return {
        at: doc.position([...path, key], true),
        field: formatPath([...path, key]),
        message: `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ""}; expected one of ${allowed.join(", ")}`,
      };
    }
    case "required": {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      return {
        at: doc.position(path),
        field: formatPath([...path, missing]),
        message: `missing; it is required${path.length === 0 ? " at the top level" : ` in ${formatPath(path)}`}`,
      };
    }
    case "type": {
      const want = (e.params as { type: string | string[] }).type;
      return {
        at: doc.position(path),
        field: formatPath(path),
        message: `${shown} is ${describeType(e.data)}; expected ${expected ?? articleFor(String(want))}`,
      };
    }
    case "if":
    case "anyOf":
    case "oneOf":
      return undefined;
    default:
      return {
        at: doc.position(path),
        field: formatPath(path),
        message: `${shown} is not ${expected ?? e.message ?? "valid"}`,
      };
  }
}

function describeType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "number") return Number.isInteger(v) ? "a whole number" : "a number";
  return `a ${typeof v}`;
}

function articleFor(type: string): string {
  const names: Record<string, string> = {
    string: "a string",
    integer: "a whole number",
    number: "a number",
    boolean: "true or false",
    array: "a list",
    object: "a mapping",
  };
  return names[type] ?? type;
}

/** The allowed key closest to a misspelt one (edit distance at most 2). */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

// ---------------------------------------------------------------------------------------
// Resolve: apply defaults, then the checks a schema cannot make.

interface RawFile {
  name: string;
  path?: string;
  source?: string;
  version?: string;
  size?: number;
  date?: string;
  time?: string;
  platform?: Platform;
  stamp?: boolean;
  sign?: boolean;
  productVersion?: string;
  description?: string;
  install?: RawFileInstall;
  allowOutsideDrop?: boolean;
}

interface RawManifest {
  package: Omit<
    PackageInfo,
    "platform" | "restart" | "entry" | "compression" | "compressionLevel"
  > & {
    platform?: PackagePlatform;
    restart?: Restart;
    compression?: string;
    compressionLevel?: CompressionLevel;
    entry?: { command: string; args?: string[] };
  };
  summary?: string;
  defaults?: Partial<Pick<RawFile, "version" | "date" | "time" | "platform" | "stamp">>;
  files: RawFile[];
  fixes?: Fix[];
  install?: RawInstall;
  signing?: SigningSection;
  drop?: { exclude?: string[]; unclaimed?: UnclaimedPolicy };
}

/**
 * A NUL in any string: Windows' version resources, file names and the article all end a
 * string there, so what ships would not be what the manifest says.
 */
function nulProblems(doc: SourceDocument): Problem[] {
  const out: Problem[] = [];
  const walk = (v: unknown, path: PathSegment[]) => {
    if (out.length >= 20) return;
    if (typeof v === "string") {
      if (v.includes("\u0000")) {
        out.push({
          at: doc.position(path),
          field: formatPath(path),
          message: `${JSON.stringify(v)} holds a NUL character; expected text without one`,
        });
      }
    } else if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) walk(x, [...path, i]);
    } else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    }
  };
  walk(doc.value, []);
  return out;
}

/**
 * A file whose path is also a folder of another file ("docs" and "Docs/readme.txt"):
 * Windows compares without case, so one of them could not be extracted.
 */
function folderClashes(
  files: readonly { readonly path: string; readonly index: number }[],
  report: (index: number, message: string) => void,
): void {
  const folders = new Map<string, { readonly path: string; readonly index: number }>();
  for (const f of files) {
    const parts = f.path.toLowerCase().split("/");
    for (let n = 1; n < parts.length; n++) {
      const folder = parts.slice(0, n).join("/");
      if (!folders.has(folder)) folders.set(folder, f);
    }
  }
  for (const f of files) {
    const other = folders.get(f.path.toLowerCase());
    if (other !== undefined) {
      report(
        f.index,
        `package path "${f.path}" is also a folder of files[${other.index}] ("${other.path}"); paths are compared without case, as Windows does`,
      );
    }
  }
}

function emptyManifest(): Manifest {
  return {
    package: {} as PackageInfo,
    files: [],
    fixes: [],
    install: { steps: [], notes: [] },
  };
}

function resolve(doc: SourceDocument, view: SemanticView, problems: Problem[]): Manifest {
  const raw = view.value as unknown as RawManifest;
  const report = (path: PathSegment[], message: string) =>
    problems.push({ at: doc.position(path), field: formatPath(path), message });
  const check = (path: PathSegment[], value: string, problem: string | undefined) => {
    if (problem) report(path, `${JSON.stringify(value)} ${problem}`);
  };

  const pkg = raw.package;
  if (pkg.version !== undefined) {
    check(["package", "version"], pkg.version, versionProblem(pkg.version, false));
  }
  if (pkg.productVersion !== undefined) {
    const v = pkg.productVersion;
    check(["package", "productVersion"], v, productVersionProblem(v));
  }
  if (pkg.name !== undefined && isDeviceName(pkg.name)) {
    check(
      ["package", "name"],
      pkg.name,
      `is a Windows device name: ${pkg.name}.exe could not be created or run`,
    );
  }
  if (raw.files.length > MAX_PACKAGE_FILES) {
    report(
      ["files"],
      `${raw.files.length} files; a package is one cabinet, which holds at most ${MAX_PACKAGE_FILES}`,
    );
    return emptyManifest();
  }
  if (pkg.prerequisite) {
    check(
      ["package", "prerequisite", "range"],
      pkg.prerequisite.range,
      rangeProblem(pkg.prerequisite.range),
    );
  }
  const defaults = raw.defaults ?? {};
  for (const key of ["version", "date"] as const) {
    const v = defaults[key];
    if (v === undefined) continue;
    check(["defaults", key], v, key === "version" ? versionProblem(v, true) : dateProblem(v));
  }

  const files: ManifestFile[] = [];
  /** files[k] came from raw.files[fileIndex[k]] (a file with problems is left out). */
  const fileIndex: number[] = [];
  const byNamePlatform = new Map<string, number>();
  const byPath = new Map<string, number>();
  raw.files.forEach((f, i) => {
    if (view.skipFiles.has(i)) return;
    const at = (field: string): PathSegment[] => ["files", i, field];
    const refused = (k: string) =>
      view.brokenFileFields.get(i)?.has(k) === true || view.brokenDefaults.has(k);
    const fromDefaults = <K extends "version" | "date" | "time" | "platform">(k: K) => {
      const v = f[k] ?? defaults[k];
      if (v === undefined && !refused(k))
        report(["files", i], `files[${i}] (${f.name}) has no ${k}; set it here or in defaults`);
      return v;
    };
    const version = fromDefaults("version");
    const date = fromDefaults("date");
    const time = fromDefaults("time");
    const platform = fromDefaults("platform");
    if (f.version !== undefined) check(at("version"), f.version, versionProblem(f.version, true));
    if (f.date !== undefined) check(at("date"), f.date, dateProblem(f.date));
    const path = f.path ?? f.name;
    const pathProblem = packagePathProblem(path);
    if (pathProblem) check(f.path !== undefined ? at("path") : at("name"), path, pathProblem);
    const source = f.source ?? path;
    if (f.source !== undefined || !pathProblem) {
      check(f.source !== undefined ? at("source") : at("name"), source, sourceProblem(source));
    }
    if (f.path !== undefined && !pathProblem) {
      const base = path.split("/").pop()!;
      if (base.toLowerCase() !== f.name.toLowerCase()) {
        report(at("path"), `"${path}" ends in "${base}", but the file's name is "${f.name}"`);
      }
    }
    if (!version || !date || !time || !platform) return;

    const npKey = `${f.name.toLowerCase()}\u0000${platform}`;
    // The same name for the same platform twice is fine in different folders (a KB table
    // can list one file under two components): only a file without its own path clashes.
    const firstNp = f.path === undefined ? byNamePlatform.get(npKey) : undefined;
    if (firstNp !== undefined) {
      report(
        at("name"),
        `"${f.name}" for ${platform} is already files[${firstNp}] (${doc.position(["files", firstNp, "name"])}); give one of them its own path or platform`,
      );
    } else byNamePlatform.set(npKey, i);
    const pathKey = path.toLowerCase();
    const firstPath = byPath.get(pathKey);
    if (firstPath !== undefined && firstNp === undefined) {
      report(
        f.path !== undefined ? at("path") : at("name"),
        `package path "${path}" is already used by files[${firstPath}] (${doc.position(["files", firstPath])}); paths are compared without case, as Windows does`,
      );
    } else if (firstPath === undefined) byPath.set(pathKey, i);

    const stamp = f.stamp ?? defaults.stamp ?? version !== "Not Applicable";
    if (stamp && version === "Not Applicable") {
      report(
        at("stamp"),
        `files[${i}] (${f.name}) is marked stamp: true but has no version to stamp`,
      );
    }
    fileIndex.push(i);
    if (f.productVersion !== undefined) {
      check(at("productVersion"), f.productVersion, productVersionProblem(f.productVersion));
      if (!stamp) {
        report(
          at("productVersion"),
          `files[${i}] (${f.name}) sets productVersion but is not stamped; a file shipped as found keeps its own`,
        );
      }
    }
    if (f.sign === true && !stamp) {
      report(
        at("sign"),
        `files[${i}] (${f.name}) is marked sign: true but not stamped; only stamped files are signed (an unstamped file ships as found)`,
      );
    }
    files.push({
      name: f.name,
      path,
      source: f.source ?? path,
      version,
      ...(f.size !== undefined ? { size: f.size } : {}),
      date,
      time,
      platform,
      stamp,
      ...(f.sign !== undefined ? { sign: f.sign } : {}),
      ...(f.productVersion !== undefined ? { productVersion: f.productVersion } : {}),
      ...(f.description !== undefined ? { description: f.description } : {}),
      ...(f.allowOutsideDrop ? { allowOutsideDrop: true } : {}),
    });
  });

  folderClashes(
    raw.files
      .map((f, index) => ({ path: f.path ?? f.name, index }))
      .filter((f) => !view.skipFiles.has(f.index)),
    (i, message) =>
      report(
        raw.files[i]?.path !== undefined ? ["files", i, "path"] : ["files", i, "name"],
        message,
      ),
  );

  let entry: PackageInfo["entry"];
  if (pkg.entry) {
    entry = { command: pkg.entry.command, args: pkg.entry.args ?? [] };
    // A path inside the package, written as files[].path is ("/" only).
    const commandProblem = packagePathProblem(pkg.entry.command);
    const cmd = pkg.entry.command.toLowerCase();
    // Every entry counts, also one with a problem of its own (reported at that entry).
    const paths = raw.files.map((f) => f.path ?? f.name).filter((p) => typeof p === "string");
    if (commandProblem) check(["package", "entry", "command"], pkg.entry.command, commandProblem);
    else if (!paths.some((p) => p.toLowerCase() === cmd)) {
      report(
        ["package", "entry", "command"],
        `"${pkg.entry.command}" is not a file of the package; expected the path of one of files[]`,
      );
    }
  }

  const pkgInfo: PackageInfo = {
    name: pkg.name,
    title: pkg.title,
    product: pkg.product,
    version: pkg.version,
    company: pkg.company,
    copyright: pkg.copyright,
    ...(pkg.kb !== undefined ? { kb: pkg.kb } : {}),
    platform: pkg.platform ?? "x86",
    restart: pkg.restart ?? "not-required",
    compression: pkg.compression ?? DEFAULT_COMPRESSION,
    compressionLevel: pkg.compressionLevel ?? "fast",
    ...(pkg.productVersion !== undefined ? { productVersion: pkg.productVersion } : {}),
    ...(pkg.prerequisite ? { prerequisite: pkg.prerequisite } : {}),
    ...(entry ? { entry } : {}),
  };
  const engine = view.skipInstall
    ? undefined
    : resolveInstall(raw.install, raw.files, pkgInfo, files, fileIndex, report, (p) =>
        doc.position(p),
      );
  if (engine && pkg.prerequisite) {
    const problem = rangeAcceptsNothing(pkg.prerequisite.range);
    if (problem) check(["package", "prerequisite", "range"], pkg.prerequisite.range, problem);
  }

  return {
    package: pkgInfo,
    ...(raw.summary !== undefined ? { summary: raw.summary } : {}),
    files,
    fixes: raw.fixes ?? [],
    install: {
      steps: raw.install?.steps ?? [],
      notes: raw.install?.notes ?? [],
      ...(engine ? { engine } : {}),
    },
    ...(raw.signing ? { signing: resolveSigning(raw.signing, report) } : {}),
    ...(raw.drop ? { drop: resolveDrop(raw.drop, report) } : {}),
  };
}

/** The drop section: every exclude pattern one that means a set of drop files. */
function resolveDrop(
  d: NonNullable<RawManifest["drop"]>,
  report: (path: PathSegment[], message: string) => void,
): DropRules {
  const exclude = d.exclude ?? [];
  exclude.forEach((p, i) => {
    if (typeof p !== "string") return; // refused by the schema
    const problem = excludePatternProblem(p);
    if (problem) report(["drop", "exclude", i], `${JSON.stringify(p)} ${problem}`);
  });
  return {
    exclude: exclude.filter((p) => typeof p === "string"),
    unclaimed: d.unclaimed ?? DEFAULT_UNCLAIMED,
  };
}

/** A ProductVersion rule: a keyword (file, package) or a 4-part version (the schema checks its form). */
function productVersionProblem(v: string): string | undefined {
  if ((Object.values(ProductVersionRule) as string[]).includes(v)) return undefined;
  return versionProblem(v, false);
}

/** The signing section: one identity (cert and key, a PFX, or a command), never two. */
function resolveSigning(
  s: SigningSection,
  report: (path: PathSegment[], message: string) => void,
): SigningSection {
  const at = (k: string): PathSegment[] => ["signing", k];
  if (s.command && (s.cert || s.key)) {
    report(at("command"), "signing: give a command or cert/key, not both");
  }
  if (s.key && !s.cert) report(at("key"), "signing: key without cert");
  if (s.cert && !s.key && !/\.(pfx|p12)$/i.test(s.cert)) {
    report(at("cert"), `signing: "${s.cert}" needs a key (only a .pfx/.p12 file holds its own)`);
  }
  return s;
}
