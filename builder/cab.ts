/**
 * `cabwright/cab`: the cabinet library, @cabwright/cab, under cabwright's own name, for
 * code that imported it before it was a package. The same module, so the same export list
 * (builder/cab/index.ts); new code imports "@cabwright/cab".
 */
export * from "@cabwright/cab";
