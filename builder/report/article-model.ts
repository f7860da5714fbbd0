/**
 * The article's view model: everything a template can print, computed from a manifest
 * or a build record. Pure. Template authors see these names (docs/kb.md lists them).
 */

import { compilePlan } from "../install/compile.js";
import type { InstallPlan } from "../install/plan.js";
import type { Manifest, PackageInfo, Restart, TableRow } from "../manifest/types.js";
import { BUILD_RECORD_SCHEMA, type BuildRecord } from "../pipeline/record.js";
import { type InstallerText, installerText } from "./installer-text.js";
import {
  formatDateKb,
  formatSizeKb,
  formatTable,
  manifestTableRows,
  recordTableRows,
} from "./table.js";

/** The self-extracting package's command-line switches, as the article lists them. */
export const PACKAGE_SWITCHES: readonly {
  readonly switch: string;
  readonly description: string;
}[] = [
  { switch: "/quiet", description: "Quiet mode: no user interaction and nothing displayed." },
  { switch: "/passive", description: "Unattended mode: a progress bar only." },
  {
    switch: "/norestart",
    description: "Does not restart the computer when the installation is complete.",
  },
  {
    switch: "/x:DIR",
    description: "Extracts the files to the folder DIR without installing them.",
  },
  { switch: "/log:FILE", description: "Writes a log of the installation to FILE." },
  { switch: "/?", description: "Shows the switches." },
];

/** A switch of the package executable, as the article lists it. */
type PackageSwitch = (typeof PACKAGE_SWITCHES)[number];

/** The switches the installer engine adds, listed after /norestart. */
const ENGINE_SWITCHES: readonly PackageSwitch[] = [
  {
    switch: "/forcerestart",
    description: "Restarts the computer when the installation needs a restart.",
  },
  {
    switch: "/promptrestart",
    description: "Asks before restarting the computer when the installation needs a restart.",
  },
  {
    switch: "/overwriteoem",
    description: "Replaces files even when the installed file has a newer version.",
  },
  {
    switch: "/whatif",
    description: "Lists every action the installation would take, and changes nothing.",
  },
  { switch: "/uninstall", description: "Removes the update (as Installed Updates does)." },
];

/** The switches of a package that installs with cabwright's engine (an install plan). */
export const INSTALLER_SWITCHES: readonly PackageSwitch[] = PACKAGE_SWITCHES.flatMap((s) =>
  s.switch === "/norestart" ? [s, ...ENGINE_SWITCHES] : [s],
);

const RESTART_TEXT: Readonly<Record<Restart, string>> = {
  required: "You must restart the computer after you apply this package.",
  "not-required": "You do not have to restart the computer after you apply this package.",
  "may-be-required":
    "You may have to restart the computer after you apply this package, when a file that it replaces is in use.",
};

export const UTC_NOTE =
  "The dates and times for these files are listed in Coordinated Universal Time (UTC). When you view the file information, it is converted to local time. To find the difference between UTC and local time, use the Time Zone tab in the Date and Time item in Control Panel.";

export interface ArticleFile {
  readonly name: string;
  readonly path: string;
  readonly version: string;
  readonly size: number | undefined;
  /** 421,232 */
  readonly sizeText: string;
  /** YYYY-MM-DD */
  readonly date: string;
  /** 29-Jun-2010 */
  readonly dateText: string;
  readonly time: string;
  readonly platform: string;
}

export interface ArticleModel {
  readonly title: string;
  readonly kb: string | undefined;
  readonly product: string;
  readonly version: string;
  readonly company: string;
  readonly copyright: string;
  readonly packageName: string;
  readonly executable: string;
  readonly packagePlatform: string;
  readonly summary: string | undefined;
  readonly fixes: readonly {
    readonly number: number;
    readonly title: string;
    readonly symptoms: string | undefined;
    readonly cause: string | undefined;
    readonly resolution: string | undefined;
  }[];
  readonly prerequisite:
    | {
        readonly product: string;
        readonly description: string | undefined;
        readonly range: string;
        /** The package's engine checks it before any change (the package has an install plan). */
        readonly checked: boolean;
      }
    | undefined;
  readonly install: {
    readonly steps: readonly string[];
    readonly notes: readonly string[];
    readonly switches: typeof PACKAGE_SWITCHES;
    readonly example: string;
  };
  /** What the package's engine does, from its install plan; undefined without one. */
  readonly installer: InstallerText | undefined;
  readonly restart: {
    readonly kind: Restart;
    readonly required: boolean;
    readonly text: string;
    /** More sentences from the install plan (in-use files, the restart switches). */
    readonly details: readonly string[];
  };
  /** "Removal information": how the update is removed, or why it cannot be by the package. */
  readonly removal: readonly string[];
  readonly files: readonly ArticleFile[];
  readonly fileCount: number;
  readonly platforms: readonly string[];
  /** The table as `cabwright table --format kb` prints it (for text templates). */
  readonly fileTableText: string;
  /** The table as `cabwright table --format md` prints it. */
  readonly fileTableMarkdown: string;
  readonly utcNote: string;
  /** "manifest" or "build record": what the file table was taken from. */
  readonly source: string;
  /** For a build record: the package's SHA-256 and the tool that built it. */
  readonly build:
    | { readonly executableSha256: string; readonly tool: string; readonly cabinet: string }
    | undefined;
}

export function isBuildRecord(input: unknown): input is BuildRecord {
  return (
    typeof input === "object" &&
    input !== null &&
    (input as { schema?: unknown }).schema === BUILD_RECORD_SCHEMA
  );
}

function articleFiles(rows: readonly TableRow[]): ArticleFile[] {
  return rows.map((r) => ({
    name: r.name,
    path: r.path,
    version: r.version,
    size: r.size,
    sizeText: formatSizeKb(r.size),
    date: r.date,
    dateText: formatDateKb(r.date),
    time: r.time.slice(0, 5),
    platform: r.platform,
  }));
}

/**
 * The model of the article. From a build record, the file table is what was built;
 * the wording (summary, fixes, install notes) comes from `manifest` when given.
 */
export function articleModel(input: Manifest | BuildRecord, manifest?: Manifest): ArticleModel {
  const record = isBuildRecord(input) ? input : undefined;
  const text: Manifest | undefined = record ? manifest : (input as Manifest);
  const pkg: PackageInfo = record ? record.package : (input as Manifest).package;
  const rows: TableRow[] = record ? recordTableRows(record) : manifestTableRows(input as Manifest);
  const executable = record?.executable.name ?? `${pkg.name}.exe`;
  const plan: InstallPlan | undefined = record
    ? record.install?.plan
    : compilePlan(input as Manifest);
  const installer = plan && installerText(plan, executable);
  return {
    title: pkg.title,
    kb: pkg.kb,
    product: pkg.product,
    version: pkg.version,
    company: pkg.company,
    copyright: pkg.copyright,
    packageName: pkg.name,
    executable,
    packagePlatform: pkg.platform,
    summary: text?.summary,
    fixes: (text?.fixes ?? []).map((f, i) => ({
      number: i + 1,
      title: f.title,
      symptoms: f.symptoms,
      cause: f.cause,
      resolution: f.resolution,
    })),
    prerequisite: pkg.prerequisite && {
      product: pkg.prerequisite.product,
      description: pkg.prerequisite.description,
      range: pkg.prerequisite.range,
      checked: plan !== undefined,
    },
    install: {
      steps: text?.install.steps ?? [],
      notes: text?.install.notes ?? [],
      switches: plan ? INSTALLER_SWITCHES : PACKAGE_SWITCHES,
      example: `${executable} /quiet /norestart /log:%TEMP%\\${pkg.name}.log`,
    },
    installer,
    restart: {
      kind: pkg.restart,
      required: pkg.restart === "required",
      text: RESTART_TEXT[pkg.restart],
      details: installer?.restart ?? [],
    },
    removal: installer?.removal ?? [
      pkg.entry
        ? `This package runs ${pkg.entry.command}; see that program's documentation for how to remove what it installs.`
        : "This package only extracts its files; it makes no change that needs removing.",
    ],
    files: articleFiles(rows),
    fileCount: rows.length,
    platforms: [...new Set(rows.map((r) => r.platform))],
    fileTableText: formatTable(rows, "kb"),
    fileTableMarkdown: formatTable(rows, "md"),
    utcNote: UTC_NOTE,
    source: record ? "build record" : "manifest",
    build: record && {
      executableSha256: record.executable.sha256,
      tool: `${record.tool.name} ${record.tool.version}`,
      cabinet: record.cabinet.name,
    },
  };
}
