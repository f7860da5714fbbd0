/**
 * Garbage freed when it is made, not when V8 gets to it. A thread that reads files whole
 * leaves dead buffers of their size; V8 keeps them until they add up to some 64 MB more
 * than at its last full collection, in each thread (isolate), so a few threads hold a few
 * hundred MB of them between collections (issue 18). A thread that knows when its work
 * has died (a stage worker between files) asks for a collection once its garbage is past
 * a bound.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * V8's full collection of this thread's heap, exposed to a context made for it; undefined
 * if V8 does not give it. The flag stays set (it is the process's, and threads starting
 * together would otherwise turn it off under each other): a vm context made later also
 * has a `gc`; the contexts that exist already (this one, the main thread's) do not.
 */
export function fullCollection(): (() => void) | undefined {
  setFlagsFromString("--expose-gc");
  try {
    return runInNewContext("gc") as () => void;
  } catch {
    return undefined;
  }
}

/**
 * At a point where the work done is dead (nothing of it is reachable), the buffers this
 * thread still accounts for (`held`, default its ArrayBuffers) are its garbage: past
 * `limit` bytes, collect now. True when it collected.
 */
export function collectGarbage(
  limit: number,
  gc: () => void,
  held: () => number = () => process.memoryUsage().arrayBuffers,
): boolean {
  if (held() <= limit) return false;
  gc();
  return true;
}
