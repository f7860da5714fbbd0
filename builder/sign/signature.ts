/**
 * An Authenticode signature read from a PE's certificate table: the PKCS#7 SignedData
 * (RFC 2315 / RFC 5652) parsed with asn1js, down to what cabwright checks: the digest the
 * signature covers (SpcIndirectDataContent's DigestInfo), the signer's certificate, the
 * signing time, whether the signer's own signature over its attributes holds, a
 * timestamp's presence, and nested signatures (the SHA-256 one inside a SHA-1 one).
 */
import { createHash, verify as cryptoVerify, X509Certificate } from "node:crypto";
import * as asn1 from "asn1js";
import { authenticodeLayout, certificateEntries, WIN_CERTIFICATE } from "../pe/authenticode.js";
import { damaged, type PeInput } from "../pe/headers.js";
import { OID } from "./constants.js";

export interface Signature {
  /** node:crypto name of the digest algorithm ("sha256", "sha1"). */
  readonly digestAlgorithm: string;
  /** The Authenticode digest the signature covers, hex. */
  readonly digest: string;
  /** The signer's certificate (matched by serial number); undefined when not included. */
  readonly signer: X509Certificate | undefined;
  readonly certificates: readonly X509Certificate[];
  /** The signed signingTime attribute, when present. */
  readonly signingTime: Date | undefined;
  /** The signer's signature over its authenticated attributes verifies with its key. */
  readonly signatureValid: boolean;
  /** The messageDigest attribute equals the hash of the SpcIndirectDataContent. */
  readonly contentDigestValid: boolean;
  /** An RFC 3161 or Authenticode countersignature is attached. */
  readonly timestamped: boolean;
  readonly nested: readonly Signature[];
}

export interface PeSignatures {
  /** File offset and size of the certificate table. */
  readonly table: { readonly offset: number; readonly size: number };
  /** Bytes after the certificate table. */
  readonly trailing: number;
  /** The primary signature first, then nested ones. */
  readonly signatures: readonly Signature[];
}

const DIGEST_NAMES: Readonly<Record<string, string>> = {
  [OID.sha1]: "sha1",
  [OID.sha256]: "sha256",
  [OID.sha384]: "sha384",
  [OID.sha512]: "sha512",
};

type Node = asn1.AsnType;

function children(n: Node | undefined): Node[] {
  const v = (n as asn1.Constructed | undefined)?.valueBlock as { value?: Node[] } | undefined;
  return Array.isArray(v?.value) ? v.value : [];
}
function oidOf(n: Node | undefined): string | undefined {
  return n instanceof asn1.ObjectIdentifier ? n.valueBlock.toString() : undefined;
}
function tagged(n: Node | undefined, number: number): boolean {
  return n?.idBlock.tagClass === 3 && n.idBlock.tagNumber === number;
}
function der(n: Node): Uint8Array {
  return n.valueBeforeDecodeView;
}

/** The signatures in a PE's bytes; undefined when it has no certificate table. */
export function readPeSignatures(input: PeInput, label: string): PeSignatures | undefined {
  const layout = authenticodeLayout(input, label);
  if (!layout?.table) return undefined;
  const signatures: Signature[] = [];
  for (const entry of certificateEntries(input, layout.table, label)) {
    if (
      entry.revision !== WIN_CERTIFICATE.revision2 ||
      entry.type !== WIN_CERTIFICATE.pkcsSignedData
    ) {
      throw damaged(
        label,
        entry.offset,
        `WIN_CERTIFICATE revision 0x${entry.revision.toString(16)} type ${entry.type}, expected revision 0x200 type 2 (PKCS#7 SignedData)`,
      );
    }
    const one = parseContentInfo(entry.data, label, entry.offset);
    signatures.push(one, ...flatten(one.nested));
  }
  return { table: layout.table, trailing: layout.trailing, signatures };
}

function flatten(list: readonly Signature[]): Signature[] {
  return list.flatMap((s) => [s, ...flatten(s.nested)]);
}

/** A DER ContentInfo holding SignedData with SpcIndirectDataContent. */
export function parseContentInfo(data: Uint8Array, label: string, offset: number): Signature {
  const bad = (what: string) => damaged(label, offset, `Authenticode signature: ${what}`);
  const parsed = asn1.fromBER(data);
  if (parsed.offset === -1) throw bad(`not DER (${parsed.result.error})`);
  const [type, content] = children(parsed.result);
  if (oidOf(type) !== OID.signedData || !tagged(content, 0)) throw bad("not PKCS#7 SignedData");
  const sd = children(children(content)[0]);
  // SignedData: version, digestAlgorithms, encapContentInfo, [0] certificates, [1] crls, signerInfos
  const encap = sd[2];
  const [eType, eContent] = children(encap);
  if (oidOf(eType) !== OID.spcIndirectData) throw bad("content is not SpcIndirectDataContent");
  const indirect = children(eContent)[0];
  const digestInfo = children(indirect)[1];
  const [algId, digestValue] = children(digestInfo);
  const algOid = oidOf(children(algId)[0]);
  const digestAlgorithm = algOid ? DIGEST_NAMES[algOid] : undefined;
  if (!digestAlgorithm || !(digestValue instanceof asn1.OctetString) || !indirect) {
    throw bad(`unsupported DigestInfo (algorithm ${algOid ?? "missing"})`);
  }
  const certificates: X509Certificate[] = [];
  let signerInfos: Node | undefined;
  for (const n of sd.slice(3)) {
    if (tagged(n, 0)) {
      for (const c of children(n)) {
        try {
          certificates.push(new X509Certificate(der(c)));
        } catch {
          // A non-X.509 entry (attribute certificate): not ours to check.
        }
      }
    } else if (n instanceof asn1.Set) signerInfos = n;
  }
  const signerInfo = children(signerInfos)[0];
  if (!signerInfo) throw bad("no SignerInfo");
  const si = children(signerInfo);
  const serial = children(si[1])[1];
  const serialHex =
    serial instanceof asn1.Integer
      ? Buffer.from(serial.valueBlock.valueHexView).toString("hex")
      : "";
  const signer = certificates.find(
    (c) => c.serialNumber.toLowerCase().replace(/^0+/, "") === serialHex.replace(/^0+/, ""),
  );
  const signed = si.find((n) => tagged(n, 0));
  const unsigned = si.find((n) => tagged(n, 1));
  const signatureValue = si.find((n, i) => i > 3 && n instanceof asn1.OctetString) as
    | asn1.OctetString
    | undefined;
  const signerDigest = DIGEST_NAMES[oidOf(children(si[2])[0]) ?? ""] ?? digestAlgorithm;

  let signingTime: Date | undefined;
  let messageDigest: string | undefined;
  for (const attr of children(signed)) {
    const [id, values] = children(attr);
    const value = children(values)[0];
    if (oidOf(id) === OID.signingTime && value && "toDate" in value) {
      signingTime = (value as asn1.UTCTime).toDate();
    }
    if (oidOf(id) === OID.messageDigest && value instanceof asn1.OctetString) {
      messageDigest = Buffer.from(value.valueBlock.valueHexView).toString("hex");
    }
  }
  // Authenticode hashes SpcIndirectDataContent without its own tag and length.
  const contentBytes = der(indirect).subarray(
    indirect.idBlock.blockLength + indirect.lenBlock.blockLength,
  );
  const contentDigest = createHash(signerDigest).update(contentBytes).digest("hex");
  let signatureValid = false;
  if (signer && signed && signatureValue) {
    // The signature is over the attributes DER-encoded as a SET (tag 0x31), not as [0].
    const attrs = Uint8Array.from(der(signed));
    attrs[0] = 0x31;
    try {
      signatureValid = cryptoVerify(
        signerDigest,
        attrs,
        signer.publicKey,
        signatureValue.valueBlock.valueHexView,
      );
    } catch {
      signatureValid = false;
    }
  }
  const nested: Signature[] = [];
  let timestamped = false;
  for (const attr of children(unsigned)) {
    const [id, values] = children(attr);
    const oid = oidOf(id);
    if (oid === OID.rfc3161Timestamp || oid === OID.countersignature) timestamped = true;
    if (oid === OID.nestedSignature) {
      for (const v of children(values)) nested.push(parseContentInfo(der(v), label, offset));
    }
  }
  return {
    digestAlgorithm,
    digest: Buffer.from(digestValue.valueBlock.valueHexView).toString("hex"),
    signer,
    certificates,
    signingTime,
    signatureValid,
    contentDigestValid: messageDigest === contentDigest,
    timestamped,
    nested,
  };
}
