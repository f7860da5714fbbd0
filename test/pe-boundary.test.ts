/**
 * builder/pe is the one PE reader: no file elsewhere in builder/ parses PE headers itself
 * (reads e_lfanew, compares the "PE\0\0" signature, reads NumberOfRvaAndSizes or tells
 * PE32 from PE32+), and builder/pe imports nothing from the stages that use it. Each rule
 * is shown failing on planted source text first, so the scan of the tree can fail too.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BUILDER = join(ROOT, "builder");

/** What parsing PE headers looks like in TypeScript source. */
const RULES: ReadonlyArray<{ readonly what: string; readonly re: RegExp }> = [
  {
    what: "reads e_lfanew (offset 0x3c of the DOS header)",
    re: /\b(?:getUint32|readUInt32LE|readUint32LE)\(\s*(?:0x3c|60|DOS_LFANEW_OFFSET)\b|\bu32\(\s*\w+\s*,\s*(?:0x3c|60|DOS_LFANEW_OFFSET)\s*\)/,
  },
  { what: "names e_lfanew in code", re: /\b(?:const|let|var)\s+(?:e_)?lfanew\b/i },
  {
    what: 'compares the "PE\\0\\0" signature',
    re: /[!=]==?\s*(?:PE_SIGNATURE|0x0*4550)\b|\b(?:PE_SIGNATURE|0x0*4550)\s*[!=]==?/,
  },
  {
    what: 'spells "PE\\0\\0" as bytes',
    re: /["'`]PE(?:\\0|\\x00|\\u0000){2}["'`]|0x50,\s*0x45,\s*0x0+,\s*0x0+\b/,
  },
  { what: "reads NumberOfRvaAndSizes", re: /\bOPT_RVA_COUNT\b/ },
  {
    what: "tells PE32 from PE32+ by the optional header magic",
    re: /[!=]==?\s*(?:OptionalMagic\.\w+|0x(?:10b|20b))\b|(?:OptionalMagic\.\w+|\b0x(?:10b|20b))\s*[!=]==?/,
  },
];

/** Source without comments (a comment may describe a PE header; only code is judged). */
function code(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:\\])\/\/.*$/gm, "$1");
}

/** Each violation as "file:line: what". */
function scan(file: string, source: string): string[] {
  const out: string[] = [];
  code(source)
    .split("\n")
    .forEach((line, i) => {
      for (const rule of RULES) if (rule.re.test(line)) out.push(`${file}:${i + 1}: ${rule.what}`);
    });
  return out;
}

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

test("the scan catches a hand-written PE header parser (planted source, not in the tree)", (t) => {
  const planted = [
    "const view = new DataView(bytes.buffer);",
    "const lfanew = view.getUint32(0x3c, true);",
    "const nt = buf.readUInt32LE(60);",
    "const at = u32(dos, DOS_LFANEW_OFFSET);",
    'if (view.getUint32(nt, true) !== 0x4550) throw new Error("not PE");',
    "if (PE_SIGNATURE === sig) ok();",
    'const sig = Buffer.from("PE\\0\\0");',
    "const dirs = opt + OPT_RVA_COUNT[magic] + 4;",
    "const plus = magic === 0x20b;",
    "if (magic !== OptionalMagic.pe32) return;",
  ].join("\n");
  const found = scan("planted.ts", planted);
  const lines = new Set(found.map((f) => Number(f.split(":")[1])));
  t.deepEqual([...lines], [2, 3, 4, 5, 6, 7, 8, 9, 10], "every parsing line, not the DataView");
  for (const rule of RULES) {
    t.true(
      found.some((f) => f.endsWith(rule.what)),
      `rule "${rule.what}" fires on the planted parser`,
    );
  }
  // Comments and message text about the format are not parsing.
  t.deepEqual(
    scan(
      "prose.ts",
      [
        '// e_lfanew at 0x3c points to "PE\\0\\0"',
        "/* getUint32(0x3c) !== PE_SIGNATURE */",
        'throw new Error(`no "PE\\\\0\\\\0" where e_lfanew at offset 0x3c points`);',
        "u32(DOS_LFANEW_OFFSET, PE_HEADER_OFFSET); // the demo writes a PE, it reads none",
      ].join("\n"),
    ),
    [],
  );
});

test("no file in builder/ outside builder/pe parses PE headers itself", async (t) => {
  const files = (await sources(BUILDER)).filter((f) => !f.startsWith(join(BUILDER, "pe") + "/"));
  t.true(files.length > 100, `scanned ${files.length} files`);
  const found: string[] = [];
  for (const f of files) found.push(...scan(relative(ROOT, f), await readFile(f, "utf8")));
  t.deepEqual(found, [], "use builder/pe (parsePeHeaders, readPeHeaders, resourceLeaves, ...)");
});

test("builder/pe imports only node, util and the manifest's Platform type", async (t) => {
  const allowed = /^(?:node:|\.\/|\.\.\/util\/|\.\.\/manifest\/types\.js$|resedit$|pe-library$)/;
  const bad: string[] = [];
  for (const f of await sources(join(BUILDER, "pe"))) {
    for (const m of (await readFile(f, "utf8")).matchAll(/\bfrom\s+"([^"]+)"/g)) {
      if (!allowed.test(m[1]!)) bad.push(`${relative(ROOT, f)}: ${m[1]}`);
    }
  }
  t.deepEqual(bad, []);
  t.false(allowed.test("../sign/check.js"), "the rule refuses a stage");
});
