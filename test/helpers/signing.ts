/**
 * A throwaway PKI made with openssl at test time: a CA, and certificates it issues (for
 * code signing, for a web server, expired), with PEM keys (optionally encrypted) or a PFX.
 * Never a real key.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run, which } from "./peers.js";

export interface TestCa {
  readonly dir: string;
  readonly cert: string;
  readonly key: string;
  readonly config: string;
}

export interface TestIdentity {
  readonly cert: string;
  readonly key: string;
}

function openssl(): string {
  const path = which("openssl");
  if (!path) throw new Error("test needs `openssl`: install the Debian package openssl");
  return path;
}

async function sh(args: string[]): Promise<void> {
  const r = await run(openssl(), args);
  if (r.code !== 0) throw new Error(`openssl ${args[0]} failed:\n${r.stderr}`);
}

/** A CA able to issue certificates with chosen dates and extended key usages. */
export async function makeTestCa(parent: string): Promise<TestCa> {
  const dir = join(parent, "ca");
  await mkdir(join(dir, "newcerts"), { recursive: true });
  await writeFile(join(dir, "index.txt"), "");
  await writeFile(join(dir, "serial"), "1000\n");
  const config = join(dir, "ca.cnf");
  await writeFile(
    config,
    `[ca]
default_ca = local
[local]
dir = ${dir}
database = ${dir}/index.txt
new_certs_dir = ${dir}/newcerts
serial = ${dir}/serial
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
[codeSigning]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
[serverAuth]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
[timeStamping]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
`,
  );
  const cert = join(dir, "ca.pem");
  const key = join(dir, "ca.key");
  await sh([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "3650",
    "-subj",
    "/CN=cabwright test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
    "-keyout",
    key,
    "-out",
    cert,
  ]);
  return { dir, cert, key, config };
}

const stamp = (d: Date) => `${d.toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z`;

/** A certificate issued by `ca`, valid from `from` to `to` (default: yesterday to +3 days). */
export async function issueCertificate(
  ca: TestCa,
  name: string,
  opts: {
    usage?: "codeSigning" | "serverAuth" | "timeStamping";
    from?: Date;
    to?: Date;
    password?: string;
  } = {},
): Promise<TestIdentity> {
  const key = join(ca.dir, `${name}.key`);
  const csr = join(ca.dir, `${name}.csr`);
  const cert = join(ca.dir, `${name}.pem`);
  const day = 86_400_000;
  await sh([
    "req",
    "-new",
    "-newkey",
    "rsa:2048",
    ...(opts.password === undefined ? ["-nodes"] : ["-passout", `pass:${opts.password}`]),
    "-subj",
    `/CN=${name}`,
    "-keyout",
    key,
    "-out",
    csr,
  ]);
  await sh([
    "ca",
    "-batch",
    "-notext",
    "-config",
    ca.config,
    "-cert",
    ca.cert,
    "-keyfile",
    ca.key,
    "-in",
    csr,
    "-out",
    cert,
    "-extensions",
    opts.usage ?? "codeSigning",
    "-startdate",
    stamp(opts.from ?? new Date(Date.now() - day)),
    "-enddate",
    stamp(opts.to ?? new Date(Date.now() + 3 * day)),
  ]);
  return { cert, key };
}

/** The identity as one PFX (PKCS#12) file protected by `password`. */
export async function toPfx(
  id: TestIdentity,
  password: string,
  keyPassword?: string,
): Promise<string> {
  const pfx = id.cert.replace(/\.pem$/, ".pfx");
  await sh([
    "pkcs12",
    "-export",
    "-in",
    id.cert,
    "-inkey",
    id.key,
    ...(keyPassword !== undefined ? ["-passin", `pass:${keyPassword}`] : []),
    "-passout",
    `pass:${password}`,
    "-out",
    pfx,
  ]);
  return pfx;
}
