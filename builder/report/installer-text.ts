/**
 * What an install plan does, in the article's words: the prerequisite check, the actions in
 * the engine's order, its exit codes, the restart sentences and the removal information.
 * Pure; every sentence is made from the plan, so the article says what the package does.
 */
import type { InstallPlan } from "../install/plan.js";
import { BACKUP_ROOT, InstallExitCode } from "../install/plan-format.js";

export interface InstallerText {
  readonly updateId: string;
  /** The Installed Updates entry's DisplayName. */
  readonly displayName: string;
  /** The prerequisite check, one sentence. */
  readonly check: string;
  /** What the package does, in order. */
  readonly actions: readonly string[];
  readonly exitCodes: readonly { readonly code: string; readonly meaning: string }[];
  readonly restart: readonly string[];
  readonly removal: readonly string[];
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "A", "A and B", "A, B and C". */
function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** "10.2.0.0 or later and earlier than 10.3.0.0", intervals joined with "or". */
export function intervalWords(accept: InstallPlan["product"]["accept"]): string {
  return accept
    .map((iv) => {
      const lo =
        iv.min === undefined ? "" : iv.minInclusive ? `${iv.min} or later` : `later than ${iv.min}`;
      const hi =
        iv.max === undefined
          ? ""
          : iv.maxInclusive
            ? `${iv.max} or earlier`
            : `earlier than ${iv.max}`;
      return lo && hi ? `${lo} and ${hi}` : lo || hi || "any version";
    })
    .join(", or ");
}

const hex = (n: number) => `0x${(n >>> 0).toString(16).toUpperCase().padStart(8, "0")}`;

export function installerText(plan: InstallPlan, executable: string): InstallerText {
  const p = plan.product;
  const services = plan.services.map((s) => s.name);
  const serviceWords =
    services.length === 1 ? `the ${services[0]} service` : `the ${list(services)} services`;
  const displayName = String(plan.identity.arp.values.DisplayName ?? plan.package.title);
  const entry = plan.identity.productEntry;
  const versions = p.accept.length === 0 ? "any version" : intervalWords(p.accept);
  const folder =
    p.location.kind === "registry"
      ? `finding its install folder in the value "${p.location.ref.value}" of HKLM\\${p.location.ref.key} (${p.location.ref.view}-bit view)`
      : `in ${p.location.folder}${p.location.path ? `\\${p.location.path}` : ""}`;
  const version =
    p.version.kind === "registry"
      ? `the version in the value "${p.version.ref.value}" of HKLM\\${p.version.ref.key} (${p.version.ref.view}-bit view)`
      : `the file version of ${p.version.path} in that folder`;
  const check =
    `Before it changes anything, the package checks that ${p.name} is installed, ${folder}; ` +
    `that ${version} is ${versions}${p.requirement ? ` (${p.requirement.replace(/ \((.*)\)$/, ", $1")})` : ""}; ` +
    "and that this update is not installed already. Otherwise it changes nothing and exits " +
    'with the code for "not applicable" or "already installed".';

  const files = plan.files;
  const added = files.filter((f) => f.isNew).length;
  const only64 = files.filter((f) => f.only64).length;
  const noBackup = files.filter((f) => !f.backup).length;
  const guarded = files.filter((f) => f.noDowngrade).length;
  const actions: string[] = [check];
  if (plan.processes.length > 0) {
    actions.push(
      `It waits for ${list(plan.processes.map((x) => x.image))} to exit (up to ${Math.max(...plan.processes.map((x) => x.timeoutMs)) / 1000} seconds).`,
    );
  }
  if (services.length > 0) actions.push(`It stops ${serviceWords}, if running.`);
  actions.push(
    `It backs up every file that it replaces into %windir%\\${BACKUP_ROOT}\\${plan.identity.updateId}, with a journal of every action.`,
  );
  let replace = `It installs ${plural(files.length, "file")} into the install folder`;
  if (added > 0) replace += ` (${added} of them new)`;
  replace += ".";
  if (guarded > 0) {
    replace += ` ${guarded === files.length ? "A file" : `Each of ${plural(guarded, "file")}`} replaces an installed file only when the installed version is not newer (/overwriteoem replaces newer files too).`;
  }
  if (only64 > 0) {
    replace += ` The ${plural(only64, "x64 file")} install only on 64-bit Windows${p.is64 ? "" : ", into a 64-bit product"}.`;
  }
  actions.push(replace);
  actions.push(
    `It records the update as HKLM\\${entry.key} (${entry.view}-bit view) and in Installed Updates as "${displayName}".`,
  );
  if (services.length > 0) actions.push(`It starts ${serviceWords} again.`);
  actions.push(
    `If anything fails after the first change, it restores every file and entry that it changed, starts the services again and exits with ${InstallExitCode.failed}; the log (/log:FILE) says why.`,
  );

  const exitCodes = [
    { code: String(InstallExitCode.ok), meaning: "The update is installed." },
    {
      code: String(InstallExitCode.restartRequired),
      meaning: "The update is installed; restart the computer to complete it.",
    },
    {
      code: String(InstallExitCode.restartInitiated),
      meaning: "The update is installed and the package restarted the computer.",
    },
    {
      code: hex(InstallExitCode.notApplicable),
      meaning: `Not applicable: ${p.name} is not installed, or its version is outside the range. Nothing was changed.`,
    },
    {
      code: hex(InstallExitCode.alreadyInstalled),
      meaning: "This update is already installed. Nothing was changed.",
    },
    {
      code: String(InstallExitCode.failed),
      meaning: "The installation failed and was rolled back; the log says why.",
    },
    {
      code: String(InstallExitCode.damaged),
      meaning: "The package is damaged. Nothing was changed.",
    },
    { code: String(InstallExitCode.badSwitch), meaning: "A switch is not valid." },
  ];

  const restart = [
    `If a file that it replaces is in use, the package replaces it when the computer restarts and exits with ${InstallExitCode.restartRequired}. When a restart is needed, /norestart and /quiet do not restart (exit ${InstallExitCode.restartRequired}), /promptrestart asks first, and /forcerestart restarts the computer (exit ${InstallExitCode.restartInitiated}).`,
  ];

  const removal = [
    `To remove this update, open Installed Updates (in Control Panel, Programs and Features, View installed updates), select "${displayName}" and click Uninstall, or run the package with /uninstall (${executable} /uninstall /quiet).`,
    `Removal ${services.length > 0 ? `stops and restarts ${serviceWords}, ` : ""}restores every replaced file from the backup in %windir%\\${BACKUP_ROOT}\\${plan.identity.updateId}, removes the files that the update added, and removes the update's entries, so the product is as it was before the update.`,
  ];
  if (noBackup > 0) {
    removal.push(
      `${plural(noBackup, "file")} of this package ${noBackup === 1 ? "is" : "are"} not backed up: removal leaves ${noBackup === 1 ? "it" : "them"} as installed.`,
    );
  }
  return {
    updateId: plan.identity.updateId,
    displayName,
    check,
    actions,
    exitCodes,
    restart,
    removal,
  };
}
