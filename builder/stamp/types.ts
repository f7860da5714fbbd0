/** How an overlay (data after the image) is placed when the image changes size. */
export const OverlayMode = {
  /** Keep the overlay at its file offset; refuse when the stamped image would run into it. */
  keepOffset: "keep-offset",
  /** Let the overlay follow the end of the new image (for programs that find it from there). */
  move: "move",
} as const;
export type OverlayMode = (typeof OverlayMode)[keyof typeof OverlayMode];

/** What to write into a file's version resource. */
export interface StampOptions {
  /** 4-part file version, e.g. 10.2.952.0 (fewer parts are padded with zeros). */
  fileVersion: string;
  /** Product version; the file version when absent. */
  productVersion?: string;
  /**
   * StringFileInfo values (CompanyName, FileDescription, FileVersion, InternalName,
   * LegalCopyright, OriginalFilename, ProductName, ProductVersion). FileVersion and
   * ProductVersion default to the versions above.
   */
  strings?: Record<string, string>;
  /** Drop an Authenticode signature instead of refusing a signed file. */
  stripSignature?: boolean;
  /** Set the COFF TimeDateStamp (seconds since 1970, UTC); left as it is when absent. */
  timeDateStamp?: number;
  /** Overlay placement; keep-offset by default. */
  overlay?: OverlayMode;
}
