/**
 * What a signature must be, checked on our own reading of the bytes (pe/authenticode.ts,
 * sign/signature.ts): whoever signed (osslsigncode or an external command), the file must
 * be the same file with a signature added, the signature must cover its Authenticode digest
 * and hold cryptographically, and the signer's certificate must be for code signing and
 * valid now.
 */
import type { X509Certificate } from "node:crypto";
import { authenticodeDigest } from "../pe/authenticode.js";
import { asSource, type PeInput } from "../pe/headers.js";
import { OID } from "./constants.js";
import { readPeSignatures, type Signature } from "./signature.js";

/** What a signed file's record says about its signature. */
export interface SignatureFacts {
  /** The digest algorithms, primary first ("sha256", or "sha1" then nested "sha256"). */
  readonly algorithms: readonly string[];
  /** The signer certificate's subject. */
  readonly signer: string;
  readonly timestamped: boolean;
}

/**
 * Problems with a signed PE's signatures (empty when they hold); `undefined` if unsigned.
 * From a file: the headers and the certificate table, the digest hashed in chunks.
 */
export function signatureProblems(
  input: PeInput,
  label: string,
): { problems: string[]; signatures: readonly Signature[]; digest: string } | undefined {
  const bytes = asSource(input, label);
  const read = readPeSignatures(bytes, label);
  if (!read) return undefined;
  const problems: string[] = [];
  if (read.trailing > 0) {
    problems.push(
      `${read.trailing} byte(s) after the certificate table (offset 0x${(read.table.offset + read.table.size).toString(16)}): data appended to a signed file`,
    );
  }
  if (read.signatures.length === 0) problems.push("the certificate table holds no signature");
  const digests = new Map<string, string>();
  for (const s of read.signatures) {
    const ours =
      digests.get(s.digestAlgorithm) ?? authenticodeDigest(bytes, label, s.digestAlgorithm)!;
    digests.set(s.digestAlgorithm, ours);
    if (ours !== s.digest) {
      problems.push(
        `${s.digestAlgorithm} Authenticode digest is ${ours}, the signature covers ${s.digest}`,
      );
    }
    if (!s.contentDigestValid)
      problems.push(`${s.digestAlgorithm} signature: messageDigest does not match its content`);
    if (!s.signer)
      problems.push(`${s.digestAlgorithm} signature: the signer's certificate is not included`);
    else if (!s.signatureValid)
      problems.push(`${s.digestAlgorithm} signature does not verify with ${s.signer.subject}`);
  }
  const digest = digests.get("sha256") ?? authenticodeDigest(bytes, label)!;
  return { problems, signatures: read.signatures, digest };
}

/** A certificate's subject on one line ("CN=..., O=..."), as records and diff show it. */
export function signerSubject(cert: X509Certificate): string {
  return cert.subject.replace(/\n/g, ", ");
}

/** Why a certificate cannot sign code at `now`, or undefined. */
export function certificateProblem(cert: X509Certificate, now: Date): string | undefined {
  const eku = cert.keyUsage;
  if (eku && !eku.includes(OID.codeSigning) && !eku.includes(OID.anyExtendedKeyUsage)) {
    return `certificate "${cert.subject}" is not for code signing (extended key usage ${eku.join(", ")})`;
  }
  if (now.getTime() > Date.parse(cert.validTo)) {
    return `certificate "${cert.subject}" expired on ${new Date(cert.validTo).toISOString()}`;
  }
  if (now.getTime() < Date.parse(cert.validFrom)) {
    return `certificate "${cert.subject}" is not valid before ${new Date(cert.validFrom).toISOString()}`;
  }
  return undefined;
}

/**
 * Check a freshly signed file against the unsigned one: nothing but the signature
 * changed (same Authenticode digest), the signature holds, the signer may sign code.
 * Returns the facts for the record, or the first problem.
 */
export function checkSigned(
  unsigned: Uint8Array,
  signed: Uint8Array,
  label: string,
  now: Date,
  nest: boolean,
): { facts: SignatureFacts; authenticodeSha256: string } | { problem: string } {
  const before = authenticodeDigest(unsigned, label);
  const read = signatureProblems(signed, label);
  if (!read) return { problem: "the signer left the file unsigned" };
  if (read.problems.length > 0) return { problem: read.problems[0]! };
  if (read.digest !== before) {
    return {
      problem: `the signer changed more than the signature (Authenticode digest ${before} before, ${read.digest} after)`,
    };
  }
  for (const s of read.signatures) {
    const p = s.signer ? certificateProblem(s.signer, now) : undefined;
    if (p) return { problem: p };
  }
  const algorithms = read.signatures.map((s) => s.digestAlgorithm);
  if (!algorithms.includes("sha256"))
    return { problem: `no SHA-256 signature (found ${algorithms.join(", ")})` };
  if (nest && algorithms[0] !== "sha1")
    return { problem: "no SHA-1 primary signature for the nested SHA-256 one" };
  const primary = read.signatures[0]!;
  return {
    facts: {
      algorithms,
      signer: primary.signer ? signerSubject(primary.signer) : "",
      timestamped: read.signatures.some((s) => s.timestamped),
    },
    authenticodeSha256: read.digest,
  };
}
