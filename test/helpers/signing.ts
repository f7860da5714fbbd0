/**
 * A throwaway PKI made with openssl at test time: a CA, and certificates it issues (for
 * code signing, for a web server, expired), with PEM keys (optionally encrypted) or a PFX.
 * Never a real key.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { minimalPe } from "cabwright";
import { withVersionResource } from "../../builder/demo/version-resource.js";
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

export interface TestTsa {
  readonly url: string;
  /** Requests received (answered or failed). */
  readonly requests: () => number;
  close(): Promise<void>;
}

/**
 * An RFC 3161 time-stamp authority on 127.0.0.1: each request is answered by
 * `openssl ts -reply` with a timeStamping certificate issued by `ca`. The first `fail`
 * requests get HTTP 503 (a server that recovers); fail: Infinity never answers well.
 */
export async function startTestTsa(ca: TestCa, opts: { fail?: number } = {}): Promise<TestTsa> {
  const { createServer } = await import("node:http");
  const tsa = await issueCertificate(ca, "cabwright test TSA", { usage: "timeStamping" });
  const dir = ca.dir;
  const config = join(dir, "tsa.cnf");
  await writeFile(join(dir, "tsaserial"), "01\n");
  await writeFile(
    config,
    `[tsa]
default_tsa = local
[local]
serial = ${dir}/tsaserial
crypto_device = builtin
signer_cert = ${tsa.cert}
certs = ${ca.cert}
signer_key = ${tsa.key}
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha1, sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`,
  );
  let count = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      count++;
      if (count <= (opts.fail ?? 0)) {
        res.writeHead(503).end("busy");
        return;
      }
      const n = count;
      const query = join(dir, `tsq-${n}.der`);
      const reply = join(dir, `tsr-${n}.der`);
      await writeFile(query, Buffer.concat(chunks));
      const r = await run(openssl(), [
        "ts",
        "-reply",
        "-config",
        config,
        "-queryfile",
        query,
        "-out",
        reply,
      ]);
      if (r.code !== 0) {
        res.writeHead(500).end(r.stderr);
        return;
      }
      const { readFile } = await import("node:fs/promises");
      res
        .writeHead(200, { "Content-Type": "application/timestamp-reply" })
        .end(await readFile(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/`,
    requests: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * A build drop for signing tests: `dlls` as x64 DLLs with a version resource (1.0.0.0),
 * and text files; returns the drop folder.
 */
export async function makeSigningDrop(
  dir: string,
  dlls: readonly string[],
  texts: Readonly<Record<string, string>> = {},
): Promise<string> {
  const drop = join(dir, "drop");
  await mkdir(drop, { recursive: true });
  const dll = withVersionResource(minimalPe({ arch: "x64", dll: true, timestamp: 1700000000 }), {
    version: "1.0.0.0",
    dll: true,
    strings: { CompanyName: "C" },
  });
  for (const name of dlls) await writeFile(join(drop, name), dll);
  for (const [name, text] of Object.entries(texts)) await writeFile(join(drop, name), text);
  return drop;
}

/** A test manifest: package NAME (x64, 1.0.0.0), x64 defaults, then the `files:` lines. */
export function signingManifest(name: string, files: string, extra = ""): string {
  return `package:
  name: ${name}
  title: ${name} test package
  product: P
  version: 1.0.0.0
  company: C
  copyright: (c) C
  platform: x64
defaults:
  version: 1.0.0.0
  date: 2024-01-02
  time: "03:04"
  platform: x64
files:
${files}${extra}`;
}
