/**
 * The one rule for links in a build drop, used by `build` (collect) and `init --from-drop`:
 * a drop file is what lies inside the drop folder once every symbolic link (or junction)
 * on its path is resolved. A link whose real target is inside the drop is followed; one
 * that leads outside it is never read, unless the manifest entry claiming it says
 * `allowOutsideDrop: true` (init, which has no manifest yet, lists it as skipped).
 */
import { realpath } from "node:fs/promises";
import { isAbsolute, relative, sep } from "node:path";

/** The drop's own real path (it may itself be reached through a link: the user's choice). */
export function realDrop(drop: string): Promise<string> {
  return realpath(drop);
}

/** Where `path` really is when that is outside `dropReal`, else undefined. */
export async function outsideDrop(dropReal: string, path: string): Promise<string | undefined> {
  const real = await realpath(path);
  return isInside(dropReal, real) ? undefined : real;
}

/** The real path of `path` relative to the drop ("/"-separated), or undefined if outside. */
export async function realInDrop(dropReal: string, path: string): Promise<string | undefined> {
  const real = await realpath(path);
  return isInside(dropReal, real) ? relative(dropReal, real).split(sep).join("/") : undefined;
}

function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
