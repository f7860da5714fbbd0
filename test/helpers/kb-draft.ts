/**
 * A manifest drafted from an article leaves out the required package fields the article
 * does not say (product, company, copyright): a person fills them in. Tests do it here.
 */
export function completeDraft(yaml: string): string {
  const add = ["product: P", "company: C", "copyright: (c) C"].filter(
    (line) => !new RegExp(`^ {2}${line.split(":")[0]}:`, "m").test(yaml),
  );
  return yaml.replace(/^package:\n/m, `package:\n${add.map((l) => `  ${l}\n`).join("")}`);
}
