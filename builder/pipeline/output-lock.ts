/**
 * One build at a time into OUT/NAME: a lock file OUT/.NAME.lock holding the holder's pid,
 * host, process start time and a random token. It is created whole (written to a temporary
 * name, then hard-linked into place, which fails if the lock exists), so a reader never sees
 * a half-written lock. A lock whose process is gone (killed, crashed) is stale and is taken
 * over; a lock held by a live process, or by another host (which cannot be checked), is
 * refused with one line naming the holder.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { link, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { InputError } from "../util/errors.js";
import { ownerPid } from "../util/owner.js";

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** The process's start time as the system counts it (Linux: /proc/PID/stat), or null. */
  readonly started: string | null;
  readonly token: string;
}

export interface OutputLock {
  readonly path: string;
  /** Whether the lock file still names this build (nobody took it over). */
  stillHeld(): Promise<boolean>;
  release(): Promise<void>;
}

/** Another live build holds the lock: bad usage (exit 2), one line. */
export class OutputLocked extends InputError {
  constructor(message: string) {
    super(message);
    this.name = "OutputLocked";
  }
}

/** A lock file with no readable owner younger than this is being written: held. */
const UNREADABLE_LOCK_GRACE_MS = 10_000;
/** Takeover rounds before giving up (each round is one race lost to another build). */
const MAX_LOCK_ROUNDS = 20;

export function lockPath(outRoot: string, name: string): string {
  return join(outRoot, `.${name}.lock`);
}

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot); null elsewhere. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether the owner's process still runs (the same process, not a reused pid). */
function alive(owner: LockOwner): boolean {
  if (!pidExists(owner.pid)) return false;
  if (owner.started === null) return true;
  const now = processStart(owner.pid);
  return now === null || now === owner.started;
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const v = JSON.parse(await readFile(path, "utf8")) as Partial<LockOwner>;
    if (typeof v.pid === "number" && typeof v.host === "string" && typeof v.token === "string") {
      return { pid: v.pid, host: v.host, started: v.started ?? null, token: v.token };
    }
  } catch {
    // Missing, empty or not JSON: the caller decides by the file's age.
  }
  return undefined;
}

/** Create `path` holding `text`, whole, or fail with EEXIST. */
async function createWhole(path: string, text: string): Promise<void> {
  const tmp = `${path}.new-${process.pid}-${randomBytes(6).toString("hex")}`;
  await writeFile(tmp, text, { flag: "wx" });
  try {
    await link(tmp, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS" && code !== "EXDEV") {
      throw err;
    }
    // A file system without hard links (FAT, some network shares): exclusive create, then
    // write; a reader meeting the empty file in between treats it as held (the grace period).
    const handle = await open(path, "wx");
    try {
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Whether a process of this pid exists (EPERM: it does, owned by another user). */
function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The lock's own temporary names (.NAME.lock.new-PID-..., .NAME.lock.stale-PID-...) left by
 * a build killed while taking the lock: removed once their process is gone.
 */
async function removeDeadTemporaries(outRoot: string, name: string): Promise<void> {
  const prefixes = [`.${name}.lock.new-`, `.${name}.lock.stale-`];
  for (const entry of await readdir(outRoot).catch(() => [] as string[])) {
    const prefix = prefixes.find((p) => entry.startsWith(p));
    const m = prefix ? /^(\d+)-[0-9a-f]+$/.exec(entry.slice(prefix.length)) : null;
    if (!m) continue;
    const pid = Number(m[1]);
    if (Number.isSafeInteger(pid) && pid !== process.pid && !pidExists(pid)) {
      await rm(join(outRoot, entry), { force: true });
    }
  }
}

function describe(owner: LockOwner, path: string, dir: string): string {
  const where =
    owner.host === hostname() ? `pid ${owner.pid}` : `pid ${owner.pid} on ${owner.host}`;
  return `${dir}: another build (${where}) is writing it (lock ${path}); wait for it to finish, or remove the lock if no such build runs`;
}

/** Take the lock for OUT/NAME, taking over a stale one; OutputLocked when it is held. */
export async function lockOutput(outRoot: string, name: string): Promise<OutputLock> {
  const path = lockPath(outRoot, name);
  const dir = join(outRoot, name);
  const me: LockOwner = {
    // The process the user started (a restarted build's first process: util/owner.ts).
    pid: ownerPid(),
    host: hostname(),
    started: processStart(ownerPid()),
    token: randomBytes(12).toString("hex"),
  };
  const text = `${JSON.stringify(me)}\n`;
  for (let round = 0; round < MAX_LOCK_ROUNDS; round++) {
    try {
      await createWhole(path, text);
      await removeDeadTemporaries(outRoot, name);
      return {
        path,
        stillHeld: async () => (await readOwner(path))?.token === me.token,
        async release() {
          if ((await readOwner(path))?.token === me.token) await rm(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const owner = await readOwner(path);
    if (!owner) {
      const age = await stat(path).then(
        (s) => Date.now() - s.mtimeMs,
        () => undefined,
      );
      if (age === undefined) continue; // released meanwhile
      if (age < UNREADABLE_LOCK_GRACE_MS) {
        throw new OutputLocked(
          `${dir}: another build is taking the lock ${path}; wait for it to finish`,
        );
      }
    } else if (owner.host !== me.host || alive(owner)) {
      throw new OutputLocked(describe(owner, path, dir));
    }
    // Stale: move it aside, and make sure what was moved is the lock judged stale (another
    // build may have taken it over in between; then its lock is put back).
    const aside = `${path}.stale-${process.pid}-${me.token}`;
    try {
      await rename(path, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw err;
    }
    const moved = await readOwner(aside);
    if (moved && owner && moved.token !== owner.token) {
      await link(aside, path).catch(() => undefined);
    }
    await rm(aside, { force: true });
  }
  throw new OutputLocked(`${dir}: could not take the lock ${path}: other builds keep taking it`);
}
