/**
 * `npm run bench`: runs each benchmark module in order. Add a module by importing it here.
 * Each prints its own figures, measured against peer tools in the same run.
 */
const modules: readonly (() => Promise<{ run(): Promise<void> }>)[] = [
  () => import("./cab-write.js"),
];

for (const load of modules) {
  const m = await load();
  await m.run();
}
