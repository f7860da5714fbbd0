/**
 * A parsed YAML/JSON document that can say where any value of it stands
 * ("file:line:col"), so that every error names a position.
 */
import {
  isAlias,
  isCollection,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from "yaml";

export type PathSegment = string | number;

export interface SourceDocument {
  readonly file: string;
  readonly value: unknown;
  /** "file:line:col" of the value at `path` (or of its key, with `key`), else of the nearest parent. */
  position(path: readonly PathSegment[], key?: boolean): string;
}

export interface SyntaxProblem {
  readonly at: string;
  readonly message: string;
}

export function parseSource(
  file: string,
  text: string,
): { doc: SourceDocument; problems: SyntaxProblem[] } {
  const lineCounter = new LineCounter();
  const parsed = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const where = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const problems: SyntaxProblem[] = [...parsed.errors, ...parsed.warnings].map((e) => ({
    at: where(e.pos[0]),
    message: `${e.code === "DUPLICATE_KEY" ? "duplicate key" : "YAML syntax"}: ${firstLine(e.message)}`,
  }));
  if (problems.length === 0) problems.push(...aliasProblems(parsed, where));
  // Only aliases of scalars are left (aliasProblems): each costs one value however often
  // it is used, so no expansion limit is needed (the yaml package's would throw at 100).
  const value = problems.length === 0 ? parsed.toJS({ maxAliasCount: -1 }) : undefined;
  const doc: SourceDocument = {
    file,
    value,
    position(path, key = false) {
      let node: unknown = parsed.contents;
      let best: Node | null = isNode(node) ? node : null;
      let keyNode: Node | null = null;
      for (const seg of path) {
        keyNode = null;
        if (isMap(node)) {
          const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === seg);
          if (!pair) break;
          keyNode = isNode(pair.key) ? pair.key : null;
          node = pair.value;
        } else if (isSeq(node) && typeof seg === "number") {
          node = node.items[seg];
        } else {
          break;
        }
        if (isNode(node)) best = node;
        else if (keyNode) best = keyNode;
        else break;
      }
      const target = key && keyNode ? keyNode : best;
      return where(target?.range?.[0] ?? 0);
    },
  };
  return { doc, problems };
}

/**
 * Aliases (`*name`) are kept to scalars: an alias of a mapping or list is how a small
 * document expands without bound (a "billion laughs") or refers to itself, and a manifest
 * never needs one. An alias with no anchor before it is reported too. One pass in document
 * order, anchors noted as they come (the last one of a name wins, as YAML says); the first
 * problem is reported, once.
 */
function aliasProblems(
  parsed: ReturnType<typeof parseDocument>,
  where: (offset: number) => string,
): SyntaxProblem[] {
  const anchors = new Map<string, Node>();
  let problem: SyntaxProblem | undefined;
  visit(parsed, (_key, node) => {
    if (isNode(node) && !isAlias(node) && node.anchor) anchors.set(node.anchor, node);
    if (!isAlias(node)) return undefined;
    const at = where(node.range?.[0] ?? 0);
    const target = anchors.get(node.source);
    if (!target) {
      problem = {
        at,
        message: `YAML alias *${node.source} has no anchor &${node.source} before it`,
      };
    } else if (isCollection(target)) {
      const kind = isMap(target) ? "mapping" : "list";
      problem = {
        at,
        message: `YAML alias *${node.source} names a ${kind} (${where(target.range?.[0] ?? 0)}); only a single value may be aliased in a manifest: write the ${kind} out`,
      };
    }
    return problem ? visit.BREAK : undefined;
  });
  return problem ? [problem] : [];
}

function firstLine(s: string): string {
  return s.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

/** "files[3].version" for ["files", 3, "version"]. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? seg : `.${seg}`;
  }
  return out === "" ? "(document)" : out;
}
