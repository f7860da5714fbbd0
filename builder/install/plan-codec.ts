/**
 * The install plan in its binary form (numbers in plan-format.ts, layout in
 * docs/install.md): `encodePlan` for the sfx stage, `decodePlan` for verify, diff and
 * table, which checks what the engine checks and names the byte offset of any problem.
 */
import { packagePathProblem as pathProblem } from "../sfx/header.js";
import { InputError } from "../util/errors.js";
import {
  type InstallPlan,
  type KnownFolder,
  PLAN_FORMAT,
  type PlanFile,
  type PlanIdentity,
  type PlanProcess,
  type PlanRestart,
  type PlanService,
  type ProductLocation,
  type ProductVersionSource,
  type RegistryRoot,
  type RegistryValueRef,
  type RegistryValues,
  type RegistryView,
  type VersionInterval,
} from "./plan.js";
import {
  FileFlag,
  IntervalFlag,
  PLAN_BINARY_VERSION,
  PLAN_MAGIC,
  PLAN_MAX_BYTES,
  PLAN_MAX_LIST,
  PLAN_MAX_STRING_UNITS,
  PlanFolderCode,
  PlanLocationCode,
  PlanRestartCode,
  PlanRootCode,
  PlanValueType,
  PlanVersionCode,
  PlanViewCode,
} from "./plan-format.js";

/** The plan's bytes as the package carries them. Throws InputError for a plan that cannot be stored. */
export function encodePlan(plan: InstallPlan): Uint8Array {
  if (plan.format !== PLAN_FORMAT) {
    throw new InputError(`install plan: format "${plan.format}", expected "${PLAN_FORMAT}"`);
  }
  const w = new Writer();
  w.bytes(PLAN_MAGIC);
  w.u16(PLAN_BINARY_VERSION);
  w.u16(0);
  const p = plan.package;
  w.str(p.name, "package.name");
  w.str(p.title, "package.title");
  w.version(p.version, "package.version");
  w.str(p.kb ?? "", "package.kb");
  w.str(p.company, "package.company");
  w.u8(code(PlanRestartCode, p.restart, "package.restart"));
  const pr = plan.product;
  w.str(pr.name, "product.name");
  if (pr.location.kind === "registry") {
    w.u8(PlanLocationCode.registry);
    w.regValue(pr.location.ref, "product.location.ref");
  } else {
    w.u8(PlanLocationCode.folder);
    w.u8(code(PlanFolderCode, pr.location.folder, "product.location.folder"));
    w.str(pr.location.path, "product.location.path");
  }
  if (pr.version.kind === "registry") {
    w.u8(PlanVersionCode.registry);
    w.regValue(pr.version.ref, "product.version.ref");
  } else {
    w.u8(PlanVersionCode.file);
    w.str(pr.version.path, "product.version.path");
  }
  w.list(pr.accept, "product.accept", (iv, at) => {
    w.u8(
      (iv.min !== undefined ? IntervalFlag.hasMin : 0) |
        (iv.minInclusive ? IntervalFlag.minInclusive : 0) |
        (iv.max !== undefined ? IntervalFlag.hasMax : 0) |
        (iv.maxInclusive ? IntervalFlag.maxInclusive : 0),
    );
    w.version(iv.min ?? "0.0.0.0", `${at}.min`);
    w.version(iv.max ?? "0.0.0.0", `${at}.max`);
  });
  w.str(pr.requirement, "product.requirement");
  w.u8(pr.is64 ? 1 : 0);
  w.list(plan.services, "services", (s, at) => {
    w.str(s.name, `${at}.name`);
    w.u32(s.timeoutMs, `${at}.timeoutMs`);
  });
  w.list(plan.processes, "processes", (s, at) => {
    w.str(s.image, `${at}.image`);
    w.u32(s.timeoutMs, `${at}.timeoutMs`);
  });
  w.list(plan.files, "files", (f, at) => {
    w.str(f.source, `${at}.source`);
    w.str(f.dest, `${at}.dest`);
    w.u8(
      (f.version !== undefined ? FileFlag.hasVersion : 0) |
        (f.only64 ? FileFlag.only64 : 0) |
        (f.noDowngrade ? FileFlag.noDowngrade : 0) |
        (f.backup ? FileFlag.backup : 0) |
        (f.isNew ? FileFlag.isNew : 0),
    );
    w.version(f.version ?? "0.0.0.0", `${at}.version`);
  });
  const id = plan.identity;
  w.str(id.updateId, "identity.updateId");
  w.u8(code(PlanRootCode, id.productEntry.root, "identity.productEntry.root"));
  w.u8(code(PlanViewCode, id.productEntry.view, "identity.productEntry.view"));
  w.str(id.productEntry.key, "identity.productEntry.key");
  w.values(id.productEntry.values, "identity.productEntry.values");
  w.str(id.arp.keyName, "identity.arp.keyName");
  w.values(id.arp.values, "identity.arp.values");
  const bytes = w.done();
  if (bytes.length > PLAN_MAX_BYTES) {
    throw new InputError(
      `install plan: ${bytes.length} bytes; the engine takes at most ${PLAN_MAX_BYTES}`,
    );
  }
  // What the engine would refuse, the encoder refuses too.
  decodePlan(bytes);
  return bytes;
}

/** Read a plan block back; InputError "install plan byte N: ..." when it is not valid. */
export function decodePlan(bytes: Uint8Array): InstallPlan {
  const r = new Reader(bytes);
  if (bytes.length > PLAN_MAX_BYTES) r.fail(0, `${bytes.length} bytes; at most ${PLAN_MAX_BYTES}`);
  for (let i = 0; i < PLAN_MAGIC.length; i++) {
    if (r.u8() !== PLAN_MAGIC[i]) r.fail(0, 'no plan signature "CWPL"');
  }
  const version = r.u16();
  if (version !== PLAN_BINARY_VERSION) {
    r.fail(4, `plan format version ${version} (this cabwright reads ${PLAN_BINARY_VERSION})`);
  }
  if (r.u16() !== 0) r.fail(6, "reserved field is not 0");
  const pkg = {
    name: r.str(),
    title: r.str(),
    version: r.version(),
    kb: r.str(),
    company: r.str(),
    restart: r.enumOf(PlanRestartCode, "restart policy") as PlanRestart,
  };
  const productName = r.str();
  const locKind = r.enumOf(PlanLocationCode, "product location kind");
  const location: ProductLocation =
    locKind === "registry"
      ? { kind: "registry", ref: r.regValue() }
      : {
          kind: "folder",
          folder: r.enumOf(PlanFolderCode, "known folder") as KnownFolder,
          path: r.str(),
        };
  const verKind = r.enumOf(PlanVersionCode, "installed-version source");
  const versionSource: ProductVersionSource =
    verKind === "registry"
      ? { kind: "registry", ref: r.regValue() }
      : { kind: "file", path: r.relPath("version file") };
  const accept = r.list((): VersionInterval => {
    const at = r.at;
    const flags = r.u8();
    if (flags & ~15) r.fail(at, `interval flags 0x${flags.toString(16)} (known: 0x0f)`);
    const min = r.version();
    const max = r.version();
    return {
      ...(flags & IntervalFlag.hasMin ? { min } : {}),
      minInclusive: (flags & IntervalFlag.minInclusive) !== 0,
      ...(flags & IntervalFlag.hasMax ? { max } : {}),
      maxInclusive: (flags & IntervalFlag.maxInclusive) !== 0,
    };
  });
  const requirement = r.str();
  const is64 = r.bool("product.is64");
  const services = r.list(
    (): PlanService => ({ name: r.nonEmpty("service name"), timeoutMs: r.u32() }),
  );
  const processes = r.list(
    (): PlanProcess => ({ image: r.nonEmpty("process image"), timeoutMs: r.u32() }),
  );
  const files = r.list((): PlanFile => {
    const source = r.relPath("file source");
    const dest = r.relPath("file destination");
    const at = r.at;
    const flags = r.u8();
    if (flags & ~31) r.fail(at, `file flags 0x${flags.toString(16)} (known: 0x1f)`);
    const version = r.version();
    return {
      source,
      dest,
      ...(flags & FileFlag.hasVersion ? { version } : {}),
      only64: (flags & FileFlag.only64) !== 0,
      noDowngrade: (flags & FileFlag.noDowngrade) !== 0,
      backup: (flags & FileFlag.backup) !== 0,
      isNew: (flags & FileFlag.isNew) !== 0,
    };
  });
  const updateId = r.name("update id");
  const root = r.enumOf(PlanRootCode, "registry root") as RegistryRoot;
  const view = r.enumOf(PlanViewCode, "registry view") as RegistryView;
  const identity: PlanIdentity = {
    updateId,
    productEntry: { root, view, key: r.key(), values: r.values() },
    arp: { keyName: r.name("Installed Updates key name"), values: r.values() },
  };
  if (r.at !== bytes.length) r.fail(r.at, `${bytes.length - r.at} bytes after the plan's end`);
  return {
    format: PLAN_FORMAT,
    package: {
      name: pkg.name,
      title: pkg.title,
      version: pkg.version,
      ...(pkg.kb === "" ? {} : { kb: pkg.kb }),
      company: pkg.company,
      restart: pkg.restart,
    },
    product: {
      name: productName,
      location,
      version: versionSource,
      accept,
      requirement,
      is64,
    },
    services,
    processes,
    files,
    identity,
  } as InstallPlan;
}

function code<T extends Record<string, number>>(table: T, value: string, field: string): number {
  const n = table[value];
  if (n === undefined) {
    throw new InputError(
      `install plan: ${field} is "${value}"; expected one of ${Object.keys(table).join(", ")}`,
    );
  }
  return n;
}

class Writer {
  private chunks: number[] = [];
  u8(v: number): void {
    this.chunks.push(v & 0xff);
  }
  u16(v: number): void {
    this.chunks.push(v & 0xff, (v >>> 8) & 0xff);
  }
  u32(v: number, field: string): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new InputError(`install plan: ${field} is ${v}; expected an integer 0..4294967295`);
    }
    this.chunks.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  bytes(b: readonly number[]): void {
    this.chunks.push(...b);
  }
  str(s: string, field: string): void {
    if (s.length > PLAN_MAX_STRING_UNITS) {
      throw new InputError(
        `install plan: ${field} has ${s.length} characters; at most ${PLAN_MAX_STRING_UNITS}`,
      );
    }
    if (/[\u0000-\u001f]/.test(s)) {
      throw new InputError(
        `install plan: ${field} holds a control character (the engine refuses them)`,
      );
    }
    this.u16(s.length);
    for (let i = 0; i < s.length; i++) this.u16(s.charCodeAt(i));
  }
  version(v: string, field: string): void {
    const parts = v.split(".");
    if (parts.length !== 4 || !parts.every((x) => /^\d{1,5}$/.test(x) && Number(x) <= 65535)) {
      throw new InputError(
        `install plan: ${field} is "${v}"; expected a 4-part version a.b.c.d (each 0..65535)`,
      );
    }
    for (const x of parts) this.u16(Number(x));
  }
  regValue(ref: RegistryValueRef, field: string): void {
    this.u8(code(PlanRootCode, ref.root, `${field}.root`));
    this.u8(code(PlanViewCode, ref.view, `${field}.view`));
    this.str(ref.key, `${field}.key`);
    this.str(ref.value, `${field}.value`);
  }
  list<T>(items: readonly T[], field: string, each: (item: T, at: string) => void): void {
    if (items.length > PLAN_MAX_LIST) {
      throw new InputError(
        `install plan: ${field} has ${items.length} entries; at most ${PLAN_MAX_LIST}`,
      );
    }
    this.u16(items.length);
    for (const [i, item] of items.entries()) each(item, `${field}[${i}]`);
  }
  values(values: RegistryValues, field: string): void {
    this.list(Object.entries(values), field, ([name, v], at) => {
      this.str(name, `${at} name`);
      if (typeof v === "string") {
        this.u8(PlanValueType.sz);
        this.str(v, `${at} (${name})`);
      } else {
        this.u8(PlanValueType.dword);
        this.u32(v, `${at} (${name})`);
      }
    });
  }
  done(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

class Reader {
  at = 0;
  private readonly view: DataView;
  constructor(private readonly b: Uint8Array) {
    this.view = new DataView(b.buffer, b.byteOffset, b.length);
  }
  fail(at: number, what: string): never {
    throw new InputError(`install plan byte ${at}: ${what}`);
  }
  private need(n: number): number {
    const at = this.at;
    if (at + n > this.b.length)
      this.fail(at, `cut short (${n} bytes needed, ${this.b.length - at} left)`);
    this.at += n;
    return at;
  }
  u8(): number {
    return this.view.getUint8(this.need(1));
  }
  u16(): number {
    return this.view.getUint16(this.need(2), true);
  }
  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }
  bool(what: string): boolean {
    const at = this.at;
    const v = this.u8();
    if (v > 1) this.fail(at, `${what} is ${v}; expected 0 or 1`);
    return v === 1;
  }
  str(): string {
    const at = this.at;
    const n = this.u16();
    if (n > PLAN_MAX_STRING_UNITS)
      this.fail(at, `string of ${n} characters; at most ${PLAN_MAX_STRING_UNITS}`);
    const start = this.need(n * 2);
    let s = "";
    for (let i = 0; i < n; i++) {
      const c = this.view.getUint16(start + i * 2, true);
      if (c < 32) this.fail(start + i * 2, "a control character (or NUL) inside a string");
      s += String.fromCharCode(c);
    }
    return s;
  }
  nonEmpty(what: string): string {
    const at = this.at;
    const s = this.str();
    if (s === "") this.fail(at, `${what} is empty`);
    return s;
  }
  /** A single path component: used as a folder or key name. */
  name(what: string): string {
    const at = this.at;
    const s = this.nonEmpty(what);
    const problem = pathProblem(s);
    if (problem || /[\\/]/.test(s))
      this.fail(at, `${what} "${s}": ${problem ?? "must be one name, no \\ or /"}`);
    return s;
  }
  /** A relative backslash path that stays inside its folder (as the engine's safe_name). */
  relPath(what: string): string {
    const at = this.at;
    const s = this.str();
    const problem = s.includes("/") ? "uses / (expected \\)" : pathProblem(s);
    if (problem) this.fail(at, `${what} "${s}": ${problem}`);
    return s;
  }
  key(): string {
    const at = this.at;
    const s = this.nonEmpty("registry key");
    if (/^\\|\\$|\\\\/.test(s))
      this.fail(at, `registry key "${s}": an empty part (leading, trailing or double \\)`);
    return s;
  }
  version(): string {
    return [this.u16(), this.u16(), this.u16(), this.u16()].join(".");
  }
  enumOf<T extends Record<string, number>>(table: T, what: string): keyof T & string {
    const at = this.at;
    const v = this.u8();
    const found = Object.entries(table).find(([, n]) => n === v);
    if (!found)
      this.fail(at, `${what} code ${v}; expected one of ${Object.values(table).join(", ")}`);
    return found[0] as keyof T & string;
  }
  regValue(): RegistryValueRef {
    const root = this.enumOf(PlanRootCode, "registry root") as RegistryRoot;
    const view = this.enumOf(PlanViewCode, "registry view") as RegistryView;
    return { root, view, key: this.key(), value: this.str() };
  }
  list<T>(each: () => T): T[] {
    const n = this.u16();
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(each());
    return out;
  }
  values(): RegistryValues {
    const out: Record<string, string | number> = {};
    for (const [name, v] of this.list((): [string, string | number] => {
      const name = this.str();
      const at = this.at;
      const type = this.u8();
      if (type === PlanValueType.sz) return [name, this.str()];
      if (type === PlanValueType.dword) return [name, this.u32()];
      return this.fail(at, `registry value type ${type}; expected 1 (REG_SZ) or 4 (REG_DWORD)`);
    })) {
      out[name] = v;
    }
    return out;
  }
}
