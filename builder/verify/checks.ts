/**
 * Verify's checks, each pure: the package as read back (its entries and the facts the stub
 * checks) against the manifest and, when known, the bytes that were built. A check returns
 * one Mismatch per difference. verify.ts runs VERIFY_CHECKS in order; a later check (an
 * install plan, say) is one more entry of that list.
 */

import { stampedProductVersion } from "../manifest/product-version.js";
import type { Manifest } from "../manifest/types.js";
import { NOT_APPLICABLE } from "../manifest/types.js";
import type { PackageFacts } from "../pipeline/toolkit.js";
import { compareWithManifest, type Mismatch, type PackageEntry } from "./compare.js";

/** The SHA-256 of what was built: from a build record, or (in build) the staged files. */
export interface ExpectedContents {
  /** Where the digests come from, for the report: "build record out/x/x.build.json". */
  readonly source: string;
  readonly files: readonly { readonly path: string; readonly sha256: string }[];
  readonly cabinetSha256?: string;
  /** The package executable as built (a signature added later is allowed for). */
  readonly executableSha256?: string;
}

export interface VerifyContext {
  /** The package's file name, naming package-level mismatches. */
  readonly packageName: string;
  readonly isExecutable: boolean;
  readonly manifest: Manifest;
  readonly entries: readonly PackageEntry[];
  readonly facts: Exclude<PackageFacts, { readonly damaged: string }>;
  readonly expected?: ExpectedContents;
}

export interface VerifyCheck {
  /** Listed in the report's `checks`: what was proven. */
  readonly name: string;
  /** Whether the check can run on this package (default: always). */
  applies?(ctx: VerifyContext): boolean;
  run(ctx: VerifyContext): Mismatch[];
}

const hex8 = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;

/**
 * What the stub checks before it writes anything (docs/sfx.md): a cabwright package header
 * after the image (its CRC, version and sizes were checked when it was read: a damaged one
 * never reaches the checks), then the payload CRC-32 over strings, padding and cabinet.
 * The cabinet header was checked by locating it; every block's checksum as it decoded.
 */
export const stubChecks: VerifyCheck = {
  name: "package",
  run({ packageName, isExecutable, facts }) {
    if (!isExecutable) return [];
    if (facts.foundBy !== "header") {
      return [
        {
          path: packageName,
          field: "packageHeader",
          expected: "a cabwright package header after the image",
          found: "none (the stub refuses the package, exit 13)",
        },
      ];
    }
    const crc = facts.payloadCrc;
    if (crc && crc.expected !== crc.actual) {
      return [
        {
          path: packageName,
          field: "payloadCrc",
          expected: `${hex8(crc.expected)} (stored in the package header)`,
          found: `${hex8(crc.actual)} (the stub refuses the package, exit 13)`,
        },
      ];
    }
    return [];
  },
};

export const manifestChecks: VerifyCheck = {
  name: "manifest",
  run: ({ manifest, entries }) => compareWithManifest(manifest, entries),
};

export const duplicateChecks: VerifyCheck = {
  name: "duplicates",
  run({ entries }) {
    const count = new Map<string, { path: string; n: number }>();
    for (const e of entries) {
      const key = e.path.toLowerCase();
      const c = count.get(key) ?? { path: e.path, n: 0 };
      c.n++;
      count.set(key, c);
    }
    return [...count.values()]
      .filter((c) => c.n > 1)
      .map((c) => ({
        path: c.path,
        field: "duplicate" as const,
        expected: "1 entry",
        found: `${c.n} entries`,
      }));
  },
};

/** "6.3.16.0 (winblue_rtm.130821-1623)" or "6, 3, 16, 0" -> "6.3.16.0"; else undefined. */
export function leadingVersion(s: string): string | undefined {
  const m = /^\s*(\d+)\s*[.,]\s*(\d+)\s*[.,]\s*(\d+)\s*[.,]\s*(\d+)(?![\d])/.exec(s);
  return m ? m.slice(1, 5).map(Number).join(".") : undefined;
}

/**
 * The StringFileInfo versions (what Explorer's Details tab shows) against the manifest. A
 * stamped file carries exactly what build stamped: FileVersion = the entry's version,
 * ProductVersion = the manifest's rule (manifest/product-version.ts). A file shipped as found carries its vendor's strings,
 * which may add text ("6.3.16.0 (winblue_rtm...)"): its FileVersion must start with the
 * entry's version; one that is not a 4-part version at all is not compared. A FileVersion
 * string is compared only where the binary version (VS_FIXEDFILEINFO) matches.
 */
export const versionStringChecks: VerifyCheck = {
  name: "version-strings",
  run({ manifest, entries }) {
    const out: Mismatch[] = [];
    const byPath = new Map(entries.map((e) => [e.path.toLowerCase(), e]));
    for (const f of manifest.files) {
      const e = byPath.get(f.path.toLowerCase());
      if (!e || e.readError !== undefined || e.version === NOT_APPLICABLE) continue;
      const fv = e.fileVersionString;
      // A wrong binary version is already a "version" mismatch; the string then says nothing new.
      const sameBinary = e.version === f.version;
      if (f.stamp) {
        if (sameBinary && fv !== f.version) {
          out.push({
            path: e.path,
            field: "fileVersionString",
            expected: f.version,
            found: fv ?? "none",
          });
        }
        const pv = e.productVersionString;
        const want = stampedProductVersion(manifest.package, f);
        if (pv !== want) {
          out.push({
            path: e.path,
            field: "productVersionString",
            expected: want,
            found: pv ?? "none",
          });
        }
      } else if (sameBinary && fv !== undefined) {
        const lead = leadingVersion(fv);
        if (lead !== undefined && lead !== f.version) {
          out.push({ path: e.path, field: "fileVersionString", expected: f.version, found: fv });
        }
      }
    }
    return out;
  },
};

/** Every file's bytes, the cabinet's and the executable's against what was built. */
export const contentChecks: VerifyCheck = {
  name: "contents",
  applies: (ctx) => ctx.expected !== undefined,
  run({ entries, expected, facts, packageName, isExecutable }) {
    if (!expected) return [];
    const out: Mismatch[] = [];
    const from = `(${expected.source})`;
    const built = new Map(expected.files.map((f) => [f.path.toLowerCase(), f]));
    const seen = new Set<string>();
    for (const e of entries) {
      const key = e.path.toLowerCase();
      const want = built.get(key);
      seen.add(key);
      // Unreadable data is already a "data" mismatch.
      if (e.readError !== undefined || e.sha256 === undefined) continue;
      if (!want) {
        out.push({
          path: e.path,
          field: "sha256",
          expected: `no such file ${from}`,
          found: e.sha256,
        });
      } else if (want.sha256 !== e.sha256) {
        out.push({
          path: e.path,
          field: "sha256",
          expected: `${want.sha256} ${from}`,
          found: e.sha256,
        });
      }
    }
    for (const [key, f] of built) {
      if (!seen.has(key)) {
        out.push({
          path: f.path,
          field: "sha256",
          expected: `${f.sha256} ${from}`,
          found: "absent",
        });
      }
    }
    if (expected.cabinetSha256 !== undefined && expected.cabinetSha256 !== facts.cabinetSha256) {
      out.push({
        path: packageName,
        field: "cabinetSha256",
        expected: `${expected.cabinetSha256} ${from}`,
        found: facts.cabinetSha256,
      });
    }
    // Signing appends a certificate table after the build: the cabinet digest above and the
    // files' digests still prove the contents; the executable's digest cannot.
    const exe = expected.executableSha256;
    if (isExecutable && exe !== undefined && exe !== facts.fileSha256 && !facts.signed) {
      out.push({
        path: packageName,
        field: "executableSha256",
        expected: `${exe} ${from}`,
        found: facts.fileSha256,
      });
    }
    return out;
  },
};

/** In order: what the stub checks, the manifest's attributes, then the bytes. */
export const VERIFY_CHECKS: readonly VerifyCheck[] = [
  stubChecks,
  duplicateChecks,
  manifestChecks,
  versionStringChecks,
  contentChecks,
];
