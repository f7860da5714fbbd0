/** Object identifiers, tool names and limits of the signing stage, each with its source. */

export const OID = {
  /** PKCS#7 signedData (RFC 2315 section 14). */
  signedData: "1.2.840.113549.1.7.2",
  /** SPC_INDIRECT_DATA_OBJID: Authenticode's content type (Authenticode PE spec). */
  spcIndirectData: "1.3.6.1.4.1.311.2.1.4",
  /** SPC_NESTED_SIGNATURE_OBJID: an unsigned attribute holding another signature. */
  nestedSignature: "1.3.6.1.4.1.311.2.4.1",
  /** szOID_RFC3161_counterSign: Microsoft's RFC 3161 timestamp attribute. */
  rfc3161Timestamp: "1.3.6.1.4.1.311.3.3.1",
  /** PKCS#9 countersignature (an Authenticode, pre-RFC 3161 timestamp). */
  countersignature: "1.2.840.113549.1.9.6",
  /** PKCS#9 signingTime and messageDigest attributes. */
  signingTime: "1.2.840.113549.1.9.5",
  messageDigest: "1.2.840.113549.1.9.4",
  /** id-kp-codeSigning (RFC 5280 4.2.1.12). */
  codeSigning: "1.3.6.1.5.5.7.3.3",
  /** anyExtendedKeyUsage (RFC 5280 4.2.1.12). */
  anyExtendedKeyUsage: "2.5.29.37.0",
  sha1: "1.3.14.3.2.26",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
} as const;

/** The Debian package that provides osslsigncode. */
export const OSSLSIGNCODE_PACKAGE = "osslsigncode";

/** Timestamp requests: attempts per signing, and the wait before each retry (ms). */
export const TIMESTAMP_ATTEMPTS = 3;
export const TIMESTAMP_RETRY_MS = 1000;

/** Output kept from a signing tool for its error message (bytes). */
export const TOOL_OUTPUT_LIMIT = 16 << 20;
