/**
 * Finding cabinets inside another file (a self-extractor, a disk image, several cabinets
 * glued together): scan for "MSCF", keep the candidates whose header is plausible and
 * whose folder and file tables parse, and skip past each cabinet found, as libmspack does.
 */
import { CabError } from "../format/errors.js";
import { plausibleHeader } from "../format/layout-parse.js";
import { CabSource } from "./source.js";
import { readStructure } from "./structure.js";

const CHUNK = 1 << 20;
const OVERLAP = 64;
const SIGNATURE = Buffer.from("MSCF", "latin1");
/**
 * Folders and files a candidate must parse to count as a cabinet. A bounded test, so a
 * file full of near-headers claiming 65,535 entries each is searched in linear time; the
 * cabinet found is read in full when opened.
 */
const PROBE_ENTRIES = 16;

/** File offsets of the cabinets in `path`, in order. */
export async function findCabinets(
  path: string,
  opts: { first?: boolean; stats?: { bytesRead: number } } = {},
): Promise<number[]> {
  const source = await CabSource.open(path);
  const found: number[] = [];
  try {
    let pos = 0;
    while (pos < source.size) {
      const chunk = Buffer.from((await source.read(pos, CHUNK + OVERLAP)).slice().buffer);
      let next = pos + Math.max(1, chunk.length - OVERLAP);
      for (let i = chunk.indexOf(SIGNATURE); i >= 0; i = chunk.indexOf(SIGNATURE, i + 1)) {
        const at = pos + i;
        if (i >= chunk.length - OVERLAP && at + OVERLAP < source.size) break; // next chunk sees it whole
        const head = i + 36 <= chunk.length ? chunk : await source.readCopy(at, 36);
        if (!plausibleHeader(head, head === chunk ? i : 0, source.size - at)) continue;
        let size: number;
        try {
          size = (await readStructure(source, at, PROBE_ENTRIES)).header.cabinetSize;
        } catch (err) {
          if (err instanceof CabError) continue;
          throw err;
        }
        found.push(at);
        if (opts.first) return found;
        next = at + Math.max(1, size);
        break;
      }
      pos = next;
    }
    return found;
  } finally {
    if (opts.stats) opts.stats.bytesRead = source.bytesRead;
    await source.close();
  }
}
