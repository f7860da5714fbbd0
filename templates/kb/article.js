// The file table's controls: collapse/expand, filter by platform, sort by a column.
// Plain script, no network; the page works (unsorted, expanded) without it.
(() => {
  const table = document.getElementById("file-table");
  if (!table) return;
  document.documentElement.classList.add("js");
  const body = table.tBodies[0];
  const toggle = document.getElementById("toggle-files");
  const wrap = document.getElementById("file-table-wrap");
  const filter = document.getElementById("platform-filter");
  const count = document.getElementById("file-count");
  const total = body.rows.length;

  toggle.addEventListener("click", () => {
    const expanded = toggle.getAttribute("aria-expanded") === "true";
    toggle.setAttribute("aria-expanded", String(!expanded));
    wrap.classList.toggle("collapsed", expanded);
    toggle.textContent = expanded ? "Expand this table" : "Collapse this table";
  });

  filter.addEventListener("change", () => {
    let shown = 0;
    for (const row of body.rows) {
      const on = filter.value === "" || row.dataset.platform === filter.value;
      row.hidden = !on;
      if (on) shown++;
    }
    count.textContent = shown === total ? `${total} files` : `${shown} of ${total} files`;
  });

  const versionKey = (v) => (/^\d+(\.\d+){3}$/.test(v) ? v.split(".").map(Number) : [-1]);
  const compareBy = {
    text: (a, b) => a.localeCompare(b, "en", { sensitivity: "base", numeric: true }),
    number: (a, b) => (a === "" ? -1 : Number(a)) - (b === "" ? -1 : Number(b)),
    version: (a, b) => {
      const x = versionKey(a);
      const y = versionKey(b);
      for (let i = 0; i < Math.max(x.length, y.length); i++) {
        const d = (x[i] ?? -1) - (y[i] ?? -1);
        if (d !== 0) return d;
      }
      return 0;
    },
  };
  const headers = [...table.tHead.rows[0].cells];
  headers.forEach((th, column) => {
    th.querySelector("button").addEventListener("click", () => {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      for (const h of headers) h.removeAttribute("aria-sort");
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const compare = compareBy[th.dataset.type] ?? compareBy.text;
      const rows = [...body.rows].map((row, index) => ({ row, index }));
      rows.sort((p, q) => {
        const d = compare(p.row.cells[column].dataset.sort, q.row.cells[column].dataset.sort);
        return (ascending ? d : -d) || p.index - q.index;
      });
      for (const { row } of rows) body.appendChild(row);
    });
  });
})();
