/**
 * python3-pefile as an independent reader of PE files (it shares no code with ours): one
 * JSON record per file with the machine, the versions, every string table, the checksum.
 */
import { requirePefile, run } from "./peers.js";

export interface PefileRecord {
  readonly path: string;
  readonly machine: number;
  readonly checksumStored: number;
  readonly checksumValid: boolean;
  readonly fileVersion: string | null;
  readonly productVersion: string | null;
  readonly fileType: number | null;
  /** "040904B0" -> strings, for every StringFileInfo table of every version resource. */
  readonly tables: Record<string, Record<string, string>>;
  /** Number of version resources (one per language). */
  readonly versionResources: number;
  readonly numberOfSymbols: number;
  readonly pointerToSymbolTable: number;
  readonly timeDateStamp: number;
  readonly signed: boolean;
  readonly warnings: string[];
}

const SCRIPT = `
import json, sys, pefile
out = []
for path in sys.argv[1:]:
    pe = pefile.PE(path)
    fixed = getattr(pe, "VS_FIXEDFILEINFO", None)
    f = fixed[0] if fixed else None
    ver = lambda ms, ls: "%d.%d.%d.%d" % (ms >> 16, ms & 0xFFFF, ls >> 16, ls & 0xFFFF)
    tables = {}
    for group in getattr(pe, "FileInfo", []) or []:
        for entry in group:
            for st in getattr(entry, "StringTable", []) or []:
                key = st.LangID.decode() if isinstance(st.LangID, bytes) else str(st.LangID)
                tables.setdefault(key.upper(), {}).update(
                    {k.decode("utf-8", "replace"): v.decode("utf-8", "replace") for k, v in st.entries.items()})
    nver = 0
    if hasattr(pe, "DIRECTORY_ENTRY_RESOURCE"):
        for t in pe.DIRECTORY_ENTRY_RESOURCE.entries:
            if t.id == 16:
                for n in t.directory.entries:
                    nver += len(n.directory.entries)
    sec = pe.OPTIONAL_HEADER.DATA_DIRECTORY[4]
    out.append({
        "path": path,
        "machine": pe.FILE_HEADER.Machine,
        "checksumStored": pe.OPTIONAL_HEADER.CheckSum,
        "checksumValid": pe.verify_checksum(),
        "fileVersion": ver(f.FileVersionMS, f.FileVersionLS) if f else None,
        "productVersion": ver(f.ProductVersionMS, f.ProductVersionLS) if f else None,
        "fileType": f.FileType if f else None,
        "tables": tables,
        "versionResources": nver,
        "numberOfSymbols": pe.FILE_HEADER.NumberOfSymbols,
        "pointerToSymbolTable": pe.FILE_HEADER.PointerToSymbolTable,
        "timeDateStamp": pe.FILE_HEADER.TimeDateStamp,
        "signed": sec.VirtualAddress != 0 and sec.Size != 0,
        # pefile's "Byte 0x00 makes up N%" is a statistic, not a defect (Wine's own DLLs
        # carry it); every other warning counts.
        "warnings": [w for w in pe.get_warnings() if not w.startswith("Byte 0x00 makes up")],
    })
print(json.dumps(out))
`;

/** Read files with pefile (fails the test naming the Debian package when it is missing). */
export async function pefileRead(paths: readonly string[]): Promise<PefileRecord[]> {
  const py = await requirePefile();
  const r = await run(py, ["-c", SCRIPT, ...paths]);
  if (r.code !== 0) throw new Error(`pefile failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as PefileRecord[];
}
