/**
 * yaml-language-server (the devDependency editors use: VS Code's YAML extension, and
 * others through LSP) driven over stdio, as an editor drives it: the diagnostics it
 * publishes for one document, with its schema found from the document's
 * `# yaml-language-server: $schema=` line and nothing else (no schema store, no
 * associations).
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

export interface Diagnostic {
  readonly range: { readonly start: { readonly line: number; readonly character: number } };
  readonly message: string;
  readonly severity?: number;
  readonly source?: string;
}

const require = createRequire(import.meta.url);

/** The server's entry point in node_modules. */
function serverPath(): string {
  return require.resolve("yaml-language-server/bin/yaml-language-server");
}

/** Open `file` (with `text`) and return the first diagnostics published for it. */
export async function yamlDiagnostics(
  file: string,
  text: string,
  timeoutMs = 30_000,
): Promise<Diagnostic[]> {
  const child = spawn(process.execPath, [serverPath(), "--stdio"], { stdio: "pipe" });
  const uri = pathToFileURL(file).href;
  const settings = {
    yaml: {
      validate: true,
      schemaStore: { enable: false },
      schemas: {},
      format: { enable: false },
    },
  };
  try {
    return await new Promise<Diagnostic[]>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`yaml-language-server published nothing for ${uri}`)),
        timeoutMs,
      );
      const rpc = connect(child, (msg) => {
        // The server asks the client for its settings; answer as an editor would.
        if (msg.method === "workspace/configuration" && msg.id !== undefined) {
          const items = (msg.params as { items: unknown[] }).items;
          rpc.send({ jsonrpc: "2.0", id: msg.id, result: items.map(() => settings.yaml) });
        } else if (msg.method !== undefined && msg.id !== undefined) {
          rpc.send({ jsonrpc: "2.0", id: msg.id, result: null });
        } else if (msg.id === 1) {
          rpc.send({ jsonrpc: "2.0", method: "initialized", params: {} });
          rpc.send({
            jsonrpc: "2.0",
            method: "workspace/didChangeConfiguration",
            params: { settings },
          });
          rpc.send({
            jsonrpc: "2.0",
            method: "textDocument/didOpen",
            params: { textDocument: { uri, languageId: "yaml", version: 1, text } },
          });
        } else if (msg.method === "textDocument/publishDiagnostics") {
          const p = msg.params as { uri: string; diagnostics: Diagnostic[] };
          if (p.uri === uri) {
            clearTimeout(timer);
            resolve(p.diagnostics);
          }
        }
      });
      child.on("error", reject);
      child.on("exit", (code) => reject(new Error(`yaml-language-server exited (${code})`)));
      rpc.send({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          processId: process.pid,
          rootUri: null,
          capabilities: { workspace: { configuration: true } },
        },
      });
    });
  } finally {
    child.kill();
  }
}

interface Message {
  readonly id?: number | string;
  readonly method?: string;
  readonly params?: unknown;
  readonly result?: unknown;
}

/** LSP's framing: Content-Length headers, then a JSON body. */
function connect(child: ChildProcessWithoutNullStreams, onMessage: (m: Message) => void) {
  let buffer = Buffer.alloc(0);
  child.stdout.on("data", (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const end = buffer.indexOf("\r\n\r\n");
      if (end === -1) return;
      const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, end).toString())?.[1]);
      if (buffer.length < end + 4 + length) return;
      const body = buffer.subarray(end + 4, end + 4 + length).toString("utf8");
      buffer = buffer.subarray(end + 4 + length);
      onMessage(JSON.parse(body) as Message);
    }
  });
  return {
    send(m: object) {
      const body = Buffer.from(JSON.stringify(m), "utf8");
      child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
      child.stdin.write(body);
    },
  };
}
