/**
 * The real stages behind the Toolkit interface. Each piece is bound as its library lands
 * in main; until then calling it fails with a message saying which piece is missing.
 */
import type { Toolkit } from "./toolkit.js";

function missing(piece: string): never {
  throw new Error(`cabwright was built without its ${piece} library`);
}

export function defaultToolkit(): Toolkit {
  return {
    inspect: async () => missing("pe"),
    stamp: async () => missing("pe"),
    stampBytes: async () => missing("pe"),
    writeCabinet: async () => missing("cab writer"),
    writeStoredCabinet: async () => missing("cab writer"),
    openPackage: async () => missing("cab reader"),
    stubPath: () => missing("sfx"),
    assembleSfx: async () => missing("sfx"),
  };
}
