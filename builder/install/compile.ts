/**
 * compilePlan: a manifest's install section as the InstallPlan the engine inside the
 * package carries out. Pure; the manifest was checked when it loaded, so every value here
 * is valid (a manifest without install.product has no plan: compilePlan returns undefined).
 */
import { updateId } from "../manifest/install-section.js";
import {
  type InstallDeclaration,
  type InstalledVersionSource,
  type InstallLocation,
  type Manifest,
  NOT_APPLICABLE,
  type Prerequisite,
  type RegistryValueName,
} from "../manifest/types.js";
import {
  type InstallPlan,
  PLAN_FORMAT,
  type PlanFile,
  type ProductLocation,
  type ProductVersionSource,
  type RegistryValueRef,
} from "./plan.js";
import { rangeIntervals } from "./range.js";

/** How a prerequisite reads in the plan (product.requirement) and in diff: "Service Pack 2 (>=10.2.0 <10.3.0)". */
export function requirementText(p: Prerequisite): string {
  return `${p.description ?? p.product} (${p.range})`;
}

/** "/"-separated manifest path -> the plan's "\"-separated form. */
const backslashed = (path: string) => path.replace(/\//g, "\\");

function valueRef(r: RegistryValueName): RegistryValueRef {
  return { root: r.root, view: r.view, key: r.key, value: r.value };
}

function location(l: InstallLocation): ProductLocation {
  return l.kind === "registry"
    ? { kind: "registry", ref: valueRef(l.ref) }
    : { kind: "folder", folder: l.folder, path: backslashed(l.path) };
}

function versionSource(v: InstalledVersionSource): ProductVersionSource {
  return v.kind === "registry"
    ? { kind: "registry", ref: valueRef(v.ref) }
    : { kind: "file", path: backslashed(v.path) };
}

/** The install plan of a manifest, or undefined when it declares no install.product. */
export function compilePlan(manifest: Manifest): InstallPlan | undefined {
  const engine = manifest.install.engine;
  if (!engine) return undefined;
  return planOf(manifest, engine);
}

function planOf(manifest: Manifest, engine: InstallDeclaration): InstallPlan {
  const pkg = manifest.package;
  const prereq = pkg.prerequisite;
  const productName = prereq?.product ?? pkg.product;
  const id = updateId(pkg);
  const u = engine.update;
  const files: PlanFile[] = manifest.files.map((f) => {
    const policy = f.install ?? { dest: f.path, neverDowngrade: true, backup: true, isNew: false };
    return {
      source: backslashed(f.path),
      dest: backslashed(policy.dest),
      ...(f.version !== NOT_APPLICABLE ? { version: f.version } : {}),
      only64: f.platform === "x64",
      noDowngrade: policy.neverDowngrade,
      backup: policy.backup,
      isNew: policy.isNew,
    };
  });
  return {
    format: PLAN_FORMAT,
    package: {
      name: pkg.name,
      title: pkg.title,
      version: pkg.version,
      ...(pkg.kb !== undefined ? { kb: pkg.kb } : {}),
      company: pkg.company,
      restart: pkg.restart,
    },
    product: {
      name: productName,
      location: location(engine.product.location),
      version: versionSource(engine.product.version),
      accept: prereq ? rangeIntervals(prereq.range) : [],
      requirement: prereq ? requirementText(prereq) : "",
      is64: engine.product.platform === "x64",
    },
    services: engine.services.map((s) => ({ name: s.name, timeoutMs: s.timeoutSeconds * 1000 })),
    processes: engine.processes.map((p) => ({
      image: p.image,
      timeoutMs: p.timeoutSeconds * 1000,
    })),
    files,
    identity: {
      updateId: id,
      productEntry: {
        root: u.key.root,
        view: u.key.view,
        key: u.key.key,
        values: {
          PackageName: pkg.name,
          PackageVersion: pkg.version,
          Description: pkg.title,
          Type: u.releaseType,
        },
      },
      arp: {
        keyName: u.arpKey,
        values: {
          DisplayName: pkg.title,
          DisplayVersion: pkg.version,
          Publisher: pkg.company,
          ParentKeyName: u.parentKey,
          ParentDisplayName: u.parentName,
          ReleaseType: u.releaseType,
          ...(u.helpLink !== undefined ? { HelpLink: u.helpLink } : {}),
          NoModify: 1,
          NoRepair: 1,
        },
      },
    },
  };
}
