/**
 * The manifest's install section (install.product, services, processes, update and each
 * file's install policy): defaults applied, and the checks a JSON Schema cannot make
 * (registry paths, service names, destinations inside the install folder, one file per
 * destination, a prerequisite the engine can read). Pure: problems go to `report`.
 */

import { PLAN_MAX_STRING_UNITS } from "../install/plan-format.js";
import type { PathSegment } from "./source.js";
import {
  type FileInstallPolicy,
  type InstallDeclaration,
  type InstalledVersionSource,
  type InstallLocation,
  type KnownFolderName,
  type ManifestFile,
  type PackageInfo,
  type PackagePlatform,
  type RegistryKeyName,
  type RegistryValueName,
  type RegistryView,
  type ReleaseType,
  ReleaseType as ReleaseTypes,
} from "./types.js";
import { relativePathProblem } from "./validate-fields.js";

/** Limits the engine's Windows calls set (each with where it comes from). */
export const InstallLimits = {
  /** A registry key name's longest component ("Registry element size limits", Win32 docs). */
  registryKeyComponent: 255,
  /**
   * A registry value name's longest length, in characters: Windows allows 16,383 (same
   * page), the install plan stores strings of at most PLAN_MAX_STRING_UNITS, so check
   * refuses what build could not carry.
   */
  registryValueName: Math.min(16383, PLAN_MAX_STRING_UNITS),
  /** CreateService: "The maximum string length is 256 characters." */
  serviceName: 256,
  /** Default seconds to wait for a service to stop or start. */
  serviceTimeout: 120,
  /** Default seconds to wait for a process to exit. */
  processTimeout: 300,
} as const;

/** The roots a manifest may write, and the one they mean. */
const MACHINE_ROOTS = ["HKLM", "HKEY_LOCAL_MACHINE"];

/** MS-DOS device names, which name no file in any folder ("CON", "NUL.txt"...). */
const DEVICE_NAME = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$/i;

type Report = (path: PathSegment[], message: string) => void;

interface RawValueRef {
  registry?: string;
  value?: string;
  view?: string | number;
  folder?: KnownFolderName;
  path?: string;
  file?: string;
}

interface RawWait {
  name?: string;
  image?: string;
  timeout?: number;
}

export interface RawInstall {
  steps?: string[];
  notes?: string[];
  product?: { platform?: PackagePlatform; location: RawValueRef; version: RawValueRef };
  services?: (string | RawWait)[];
  processes?: (string | RawWait)[];
  update?: {
    key?: string;
    view?: string | number;
    arpKey?: string;
    releaseType?: ReleaseType;
    parentKey?: string;
    parentName?: string;
    helpLink?: string;
  };
}

export interface RawFileInstall {
  dest?: string;
  neverDowngrade?: boolean;
  backup?: boolean;
  new?: boolean;
}

/** The update's id: "KB" + number when the package has a KB number, else its name. */
export function updateId(pkg: Pick<PackageInfo, "kb" | "name">): string {
  return pkg.kb !== undefined ? `KB${pkg.kb}` : pkg.name;
}

/** Problem text for a registry key path ("HKLM\SOFTWARE\..."), or undefined. */
export function registryKeyProblem(text: string): string | undefined {
  if (text.includes("/")) {
    return 'uses "/"; registry paths use "\\", like HKLM\\SOFTWARE\\Contoso\\Widget';
  }
  const parts = text.split("\\");
  const root = parts[0]!;
  if (!MACHINE_ROOTS.includes(root.toUpperCase())) {
    return `starts with "${root}"; expected HKLM\\ (HKEY_LOCAL_MACHINE): the engine installs for the whole machine`;
  }
  const below = parts.slice(1);
  if (below.length === 0 || (below.length === 1 && below[0] === "")) {
    return "names only the root; expected a key below it, like HKLM\\SOFTWARE\\Contoso\\Widget";
  }
  for (const s of below) {
    if (s === "") return 'has an empty segment (a doubled or trailing "\\")';
    if (/[\x00-\x1f]/.test(s)) return `has a control character in "${s}"`;
    if (s.length > InstallLimits.registryKeyComponent) {
      return `has a segment of ${s.length} characters; a registry key name is at most ${InstallLimits.registryKeyComponent}`;
    }
  }
  return undefined;
}

/** Problem text for a service name, or undefined (CreateService's rules). */
export function serviceNameProblem(name: string): string | undefined {
  if (name.length === 0) return "is empty; expected a service name, as sc query takes it";
  if (name.length > InstallLimits.serviceName) {
    return `is ${name.length} characters; a service name is at most ${InstallLimits.serviceName}`;
  }
  if (/[\\/]/.test(name)) return 'has a "/" or "\\", which a service name cannot contain';
  if (/[\x00-\x1f]/.test(name)) return "has a control character";
  return undefined;
}

/** Problem text for a path inside the install folder: relative, staying inside, no device names. */
export function destinationProblem(path: string): string | undefined {
  const p = relativePathProblem(path, "the install folder");
  if (p) return p;
  const device = path.split("/").find((s) => DEVICE_NAME.test(s));
  return device !== undefined
    ? `has "${device}", an MS-DOS device name that no file can have`
    : undefined;
}

function viewOf(v: string | number | undefined, fallback: RegistryView): RegistryView {
  return v === undefined ? fallback : (String(v) as RegistryView);
}

/** "HKEY_LOCAL_MACHINE\A\B" -> { root: HKLM, key: "A\B" } (the path already checked). */
function splitKey(text: string, view: RegistryView): RegistryKeyName {
  return { root: "HKLM", key: text.split("\\").slice(1).join("\\"), view };
}

/** Where problems go, and where a value stands (for "already ... (file:line:col)"). */
interface Sink {
  readonly report: Report;
  readonly position: (path: PathSegment[]) => string;
}

/**
 * Resolve the install section. Returns the declaration (when install.product is given) and
 * sets each file's install policy in place of `files`.
 */
export function resolveInstall(
  raw: RawInstall | undefined,
  rawFiles: readonly { install?: RawFileInstall; name: string }[],
  pkg: PackageInfo,
  files: ManifestFile[],
  fileIndex: readonly number[],
  report: Report,
  position: (path: PathSegment[]) => string,
): InstallDeclaration | undefined {
  const sink: Sink = { report, position };
  const product = raw?.product;
  if (!product) {
    orphanProblems(raw, rawFiles, report);
    return undefined;
  }
  if (pkg.entry) {
    report(
      ["package", "entry"],
      "package.entry and install.product both say how the package installs; keep install.product for cabwright's installer engine, or package.entry to run your own setup program, not both",
    );
  }
  const location = resolveLocation(product.location, report);
  const version = resolveVersion(product.version, report);
  if (!pkg.prerequisite) {
    report(
      ["install", "product", "version"],
      "install.product.version reads the installed version, but package.prerequisite gives no range to check it against; add package.prerequisite with its range",
    );
  }
  const platform = product.platform ?? "x86";
  const services = waitList(
    raw.services,
    "services",
    "name",
    InstallLimits.serviceTimeout,
    sink,
    serviceNameProblem,
  ).map(({ id, timeoutSeconds }) => ({ name: id, timeoutSeconds }));
  const processes = waitList(
    raw.processes,
    "processes",
    "image",
    InstallLimits.processTimeout,
    sink,
    imageProblem,
  ).map(({ id, timeoutSeconds }) => ({ image: id, timeoutSeconds }));
  const update = resolveUpdate(raw.update ?? {}, pkg, location, report);
  resolveFilePolicies(rawFiles, files, fileIndex, platform, sink);
  if (!location || !version) return undefined;
  return { product: { platform, location, version }, services, processes, update };
}

/** install keys given without install.product: each is one problem. */
function orphanProblems(
  raw: RawInstall | undefined,
  rawFiles: readonly { install?: RawFileInstall }[],
  report: Report,
): void {
  for (const key of ["services", "processes", "update"] as const) {
    if (raw?.[key] !== undefined) {
      report(
        ["install", key],
        `install.${key} needs install.product (where the product is and how its version is read)`,
      );
    }
  }
  rawFiles.forEach((f, i) => {
    if (f.install !== undefined) {
      report(
        ["files", i, "install"],
        `files[${i}].install needs install.product: without it the package does not install its files`,
      );
    }
  });
}

function registryRef(
  r: RawValueRef,
  at: PathSegment[],
  fallbackView: RegistryView,
  report: Report,
): RegistryValueName {
  const key = r.registry!;
  const problem = registryKeyProblem(key);
  if (problem) report([...at, "registry"], `${JSON.stringify(key)} ${problem}`);
  const value = r.value ?? "";
  if (value.length > InstallLimits.registryValueName) {
    report(
      [...at, "value"],
      `is ${value.length} characters; a registry value name is at most ${InstallLimits.registryValueName} (the longest string an install plan carries)`,
    );
  }
  return { ...splitKey(key, viewOf(r.view, fallbackView)), value };
}

/**
 * Which form a location or version takes: "registry" (registry + value [+ view]) or
 * "other" (folder [+ path], or file); undefined, with a problem, when neither or both.
 */
function oneForm(
  r: RawValueRef,
  at: PathSegment[],
  other: "folder" | "file",
  expected: string,
  report: Report,
): "registry" | "other" | undefined {
  const hasRegistry = r.registry !== undefined;
  if (hasRegistry === (r[other] !== undefined)) {
    report(
      at,
      `${hasRegistry ? `has both registry and ${other}` : "is empty"}; expected ${expected}`,
    );
    return undefined;
  }
  if (hasRegistry) {
    if (r.value === undefined) {
      report(
        [...at, "registry"],
        `${JSON.stringify(r.registry)} needs value: the name of the REG_SZ value under it`,
      );
    }
    if (other === "folder" && r.path !== undefined) {
      report([...at, "path"], "path goes with folder, not with registry");
    }
    return "registry";
  }
  for (const k of ["value", "view"] as const) {
    if (r[k] !== undefined) report([...at, k], `${k} goes with registry, not with ${other}`);
  }
  return "other";
}

function resolveLocation(r: RawValueRef, report: Report): InstallLocation | undefined {
  const at: PathSegment[] = ["install", "product", "location"];
  const form = oneForm(
    r,
    at,
    "folder",
    "registry and value (the REG_SZ value holding the install folder) or folder and path (a known folder)",
    report,
  );
  if (form === "registry") return { kind: "registry", ref: registryRef(r, at, "64", report) };
  if (form === undefined) return undefined;
  const path = r.path ?? "";
  if (path !== "") {
    const problem = relativePathProblem(path, `the ${r.folder} folder`);
    if (problem) report([...at, "path"], `${JSON.stringify(path)} ${problem}`);
  }
  return { kind: "folder", folder: r.folder!, path };
}

function resolveVersion(r: RawValueRef, report: Report): InstalledVersionSource | undefined {
  const at: PathSegment[] = ["install", "product", "version"];
  const form = oneForm(
    r,
    at,
    "file",
    "file (a file in the install folder whose version resource is read) or registry and value (a REG_SZ holding the version)",
    report,
  );
  if (form === "registry") return { kind: "registry", ref: registryRef(r, at, "64", report) };
  if (form === undefined) return undefined;
  const file = r.file!;
  const problem = destinationProblem(file);
  if (problem) report([...at, "file"], `${JSON.stringify(file)} ${problem}`);
  return { kind: "file", path: file };
}

/** The update's identity, with its defaults. */
function resolveUpdate(
  u: NonNullable<RawInstall["update"]>,
  pkg: PackageInfo,
  location: InstallLocation | undefined,
  report: Report,
): InstallDeclaration["update"] {
  const id = updateId(pkg);
  let key: RegistryKeyName;
  if (u.key !== undefined) {
    const problem = registryKeyProblem(u.key);
    if (problem) report(["install", "update", "key"], `${JSON.stringify(u.key)} ${problem}`);
    key = splitKey(u.key, viewOf(u.view, location?.kind === "registry" ? location.ref.view : "64"));
  } else if (location?.kind === "registry") {
    key = {
      root: "HKLM",
      key: `${location.ref.key}\\Updates\\${id}`,
      view: viewOf(u.view, location.ref.view),
    };
  } else {
    // Where Windows' own hotfixes record themselves: SOFTWARE\Microsoft\Updates\<product>\<KB>.
    key = {
      root: "HKLM",
      key: `SOFTWARE\\Microsoft\\Updates\\${registrySafe(pkg.product)}\\${id}`,
      view: viewOf(u.view, "64"),
    };
  }
  const parent = pkg.prerequisite?.product ?? pkg.product;
  return {
    key,
    arpKey: u.arpKey ?? id,
    releaseType: u.releaseType ?? ReleaseTypes.hotfix,
    parentKey: u.parentKey ?? parent,
    parentName: u.parentName ?? parent,
    ...(u.helpLink !== undefined ? { helpLink: u.helpLink } : {}),
  };
}

/** Each file's policy (set in `files`), one file per destination, platforms the engine installs. */
function resolveFilePolicies(
  rawFiles: readonly { install?: RawFileInstall }[],
  files: ManifestFile[],
  fileIndex: readonly number[],
  platform: PackagePlatform,
  { report, position }: Sink,
): void {
  const byDest = new Map<string, number>();
  files.forEach((f, k) => {
    const i = fileIndex[k]!;
    const r = rawFiles[i]?.install ?? {};
    const dest = r.dest ?? f.path;
    const destAt: PathSegment[] =
      r.dest !== undefined
        ? ["files", i, "install", "dest"]
        : ["files", i, f.path !== f.name ? "path" : "name"];
    const problem = destinationProblem(dest);
    if (problem) report(destAt, `${JSON.stringify(dest)} ${problem}`);
    const first = byDest.get(dest.toLowerCase());
    if (first !== undefined) {
      report(
        destAt,
        `destination "${dest}" is already files[${first}]'s (${position(["files", first])}); destinations are compared without case, as Windows does`,
      );
    } else byDest.set(dest.toLowerCase(), i);
    if (f.platform === "x64" && platform !== "x64") {
      report(
        ["files", i, "platform"],
        `files[${i}] (${f.name}) is x64, but install.product.platform is ${platform}: it would never be installed (x64 files install only into an x64 product on 64-bit Windows)`,
      );
    } else if (f.platform !== "x86" && f.platform !== "x64" && f.platform !== "Not Applicable") {
      report(
        ["files", i, "platform"],
        `files[${i}] (${f.name}) is ${f.platform}; the installer engine installs x86, x64 and Not Applicable files only`,
      );
    }
    const policy: FileInstallPolicy = {
      dest,
      neverDowngrade: r.neverDowngrade ?? true,
      backup: r.backup ?? true,
      isNew: r.new ?? false,
    };
    files[k] = { ...f, install: policy };
  });
}

/** A product name as one registry key component: no "\", at most 255 characters. */
function registrySafe(name: string): string {
  return name.replace(/\\/g, "-").slice(0, InstallLimits.registryKeyComponent);
}

function imageProblem(image: string): string | undefined {
  if (image === "") return "is empty; expected a program's file name, like Fscmanager.exe";
  if (/[\\/:*?"<>|\x00-\x1f]/.test(image)) {
    return "is not a file name: expected a program's name without a folder, like Fscmanager.exe";
  }
  return undefined;
}

function waitList(
  items: readonly (string | RawWait)[] | undefined,
  list: "services" | "processes",
  idKey: "name" | "image",
  defaultTimeout: number,
  { report, position }: Sink,
  problemOf: (id: string) => string | undefined,
): { id: string; timeoutSeconds: number }[] {
  const out: { id: string; timeoutSeconds: number }[] = [];
  const seen = new Map<string, number>();
  (items ?? []).forEach((item, i) => {
    const id = typeof item === "string" ? item : (item[idKey] ?? "");
    const at: PathSegment[] =
      typeof item === "string" ? ["install", list, i] : ["install", list, i, idKey];
    const problem = problemOf(id);
    if (problem) report(at, `${JSON.stringify(id)} ${problem}`);
    const first = seen.get(id.toLowerCase());
    if (first !== undefined) {
      report(
        at,
        `"${id}" is already install.${list}[${first}] (${position(["install", list, first])}); names are compared without case`,
      );
    } else seen.set(id.toLowerCase(), i);
    out.push({
      id,
      timeoutSeconds: (typeof item === "string" ? undefined : item.timeout) ?? defaultTimeout,
    });
  });
  return out;
}
