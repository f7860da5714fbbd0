import type { Platform } from "../manifest/types.js";

/** What `inspect` reads from any file; the verify stage compares it with the manifest. */
export interface PeInfo {
  /** The file read (inspectFile only). */
  path?: string;
  /** Size in bytes. */
  size: number;
  /** Whether the file is a PE image at all ("MZ" and "PE\0\0"). */
  isPe: boolean;
  /** IMAGE_FILE_HEADER.Machine (PE only). */
  machine?: number;
  /** From the machine field; "Not Applicable" for a file that is not a PE. */
  platform: Platform;
  /** The fixed file info's FileVersion, or "Not Applicable" when there is none. */
  fileVersion: string;
  /** The fixed file info's ProductVersion. */
  productVersion?: string;
  /** The strings of the first string table. */
  strings: Record<string, string>;
  /** Every StringFileInfo table, in file order. */
  stringTables?: { lang: number; codepage: number; strings: Record<string, string> }[];
  /** Whether an Authenticode certificate table is present (not whether it verifies). */
  signed: boolean;
  /** The optional header CheckSum as stored, and as it should be. */
  checksum?: { stored: number; computed: number };
  /** IMAGE_FILE_HEADER.TimeDateStamp (seconds since 1970, UTC). */
  timeDateStamp?: number;
}
