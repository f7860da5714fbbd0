import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import test from "ava";
import { loadManifest, renderReport } from "cabwright";
import { chromium } from "playwright-core";
import { requirePeer, tempDir } from "./helpers/peers.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const seedManifest = `${repo}manifest/fse-sp2-hr2.yaml`;
const shots = join(repo, "out", "report");

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

test("the HTML article in Chromium: rows, collapse, platform filter, sort, print", async (t) => {
  const executablePath = requirePeer("chromium");
  const { manifest } = await loadManifest(seedManifest);
  const dir = await tempDir(t);
  const page_ = join(dir, "fse-sp2-hr2.html");
  await writeFile(page_, renderReport(manifest, "html"));

  const context = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1100, height: 900 },
  });
  t.teardown(() => context.close());
  const page = await context.newPage();
  const requests: string[] = [];
  page.on("request", (r) => {
    requests.push(r.url());
  });
  const errors: string[] = [];
  page.on("pageerror", (e) => {
    errors.push(e.message);
  });
  await page.goto(pathToFileURL(page_).href);

  const rows = page.locator("#file-table tbody tr");
  const visibleNames = () =>
    page.$$eval("#file-table tbody tr:not([hidden]) td:first-child", (tds) =>
      tds.map((td) => td.textContent ?? ""),
    );
  t.is(await rows.count(), 64);
  t.deepEqual(
    await visibleNames(),
    manifest.files.map((f) => f.name),
  );
  t.is(
    await page.locator("#file-table tbody tr").nth(0).locator("td").nth(2).textContent(),
    "421,232",
  );

  // Collapse and expand.
  const wrap = page.locator("#file-table-wrap");
  const toggle = page.locator("#toggle-files");
  t.true(await wrap.isVisible());
  await toggle.click();
  t.false(await wrap.isVisible());
  t.is(await toggle.textContent(), "Expand this table");
  t.is(await toggle.getAttribute("aria-expanded"), "false");
  // Printing shows the table even when collapsed on screen.
  await page.emulateMedia({ media: "print" });
  t.true(await wrap.isVisible());
  t.false(await toggle.isVisible(), "controls are not printed");
  await page.emulateMedia({ media: "screen" });
  await toggle.click();
  t.true(await wrap.isVisible());

  // Filter by platform.
  await page.selectOption("#platform-filter", "x64");
  const x64 = manifest.files.filter((f) => f.platform === "x64").map((f) => f.name);
  t.deepEqual(await visibleNames(), x64);
  t.is(await page.locator("#file-count").textContent(), `${x64.length} of 64 files`);
  await page.selectOption("#platform-filter", "Not Applicable");
  t.deepEqual(await visibleNames(), ["Localenginemapping.cab"]);
  await page.selectOption("#platform-filter", "");
  t.is((await visibleNames()).length, 64);

  // Sort by size (numeric, not text), then descending; then by version.
  const sizeHeader = page.locator("#file-table thead th").nth(2);
  await sizeHeader.locator("button").click();
  const bySize = [...manifest.files].sort((a, b) => a.size! - b.size!);
  t.is(await sizeHeader.getAttribute("aria-sort"), "ascending");
  t.deepEqual(
    (await visibleNames()).slice(0, 3),
    bySize.slice(0, 3).map((f) => f.name),
  );
  await sizeHeader.locator("button").click();
  t.is(await sizeHeader.getAttribute("aria-sort"), "descending");
  t.is((await visibleNames())[0], "Fsccontroller.exe");
  await page.locator("#file-table thead th").nth(1).locator("button").click();
  const firstVersions = await page.$$eval("#file-table tbody tr td:nth-child(2)", (tds) =>
    tds.slice(0, 3).map((td) => td.textContent),
  );
  t.deepEqual(firstVersions, ["Not Applicable", "Not Applicable", "6.3.16.0"]);

  t.deepEqual(errors, []);
  t.true(
    requests.every((u) => u.startsWith("file:")),
    `only the page itself is loaded: ${requests.join(", ")}`,
  );

  // The picture shows the article as it opens: table expanded, in the article's order.
  await page.reload();
  t.deepEqual(
    await visibleNames(),
    manifest.files.map((f) => f.name),
  );
  await mkdir(shots, { recursive: true });
  await page.screenshot({ path: join(shots, "fse-sp2-hr2.png"), fullPage: true });
  await page.locator("#files").screenshot({ path: join(shots, "fse-sp2-hr2-files.png") });
  await page.emulateMedia({ media: "print" });
  await page.pdf({ path: join(shots, "fse-sp2-hr2.pdf"), format: "A4" }).catch(() => undefined);
});
