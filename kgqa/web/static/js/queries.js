// The canned-query gallery: a form per entry of /api/queries, results from
// /api/queries/<name>, with CSV and JSON links for the same run.
import {
  el, fetchJSON, loadEntities, parametersOf, patternsOf, resultTable, showError, tabular,
} from "./common.js";

const gallery = document.getElementById("gallery");
const filter = document.getElementById("query-filter");

function datalistFor(cls, entities) {
  const id = `entities-${cls || "all"}`;
  if (!document.getElementById(id)) {
    const options = entities.filter((e) => !cls || e.kinds.has(cls)).map((e) => el("option", { value: e.label }));
    document.body.append(el("datalist", { id }, options));
  }
  return id;
}

/** A placeholder that shows what to type: a name of the right kind from the graph. */
function example(param, entities) {
  if (param.type !== "iri" && param.type !== "uri") return param.type === "string" ? "e.g. moon" : param.type;
  const match = entities.find((e) => !param.cls || e.kinds.has(param.cls));
  return match ? `e.g. ${match.label}` : "a name or IRI";
}

function runUrl(name, form, format) {
  const params = new URLSearchParams();
  for (const [key, value] of new FormData(form)) if (String(value).trim()) params.set(key, String(value).trim());
  if (format) params.set("format", format);
  const query = params.toString();
  return `/api/queries/${encodeURIComponent(name)}${query ? `?${query}` : ""}`;
}

function card(entry, entities) {
  const name = entry.name;
  const params = parametersOf(entry);
  const output = el("div", { class: "query-output", "aria-live": "polite" });
  const downloads = el("p", { class: "query-downloads", hidden: true });
  const fields = params.map((param) => {
    const id = `p-${name}-${param.name}`;
    const isIri = param.type === "iri" || param.type === "uri";
    const describedBy = param.description ? `${id}-help` : undefined;
    const control = param.choices.length
      ? el("select", { id, name: param.name, "aria-describedby": describedBy },
        param.optional ? el("option", { value: "" }, "—") : "",
        param.choices.map((choice) => el("option", { value: choice, selected: choice === param.defaultValue }, choice)))
      : el("input", {
        id, name: param.name, type: "text", autocomplete: "off",
        list: isIri ? datalistFor(param.cls, entities) : undefined,
        required: !param.optional, placeholder: param.defaultValue || example(param, entities),
        "aria-describedby": describedBy,
      });
    return el("p", { class: "field" },
      el("label", { for: id }, param.name, param.optional ? el("span", { class: "optional" }, " (optional)") : ""),
      control,
      param.description ? el("small", { id: `${id}-help` }, param.description) : "",
    );
  });
  const form = el("form", { class: "query-form", action: `/api/queries/${name}`, method: "get" },
    fields, el("p", {}, el("button", { type: "submit" }, "Run")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    output.replaceChildren(el("p", { class: "loading" }, "Running…"));
    output.setAttribute("aria-busy", "true");
    try {
      const data = await fetchJSON(runUrl(name, form));
      const table = tabular(data);
      output.replaceChildren(
        el("p", { class: "row-count" }, `${table.rows.length} row${table.rows.length === 1 ? "" : "s"}`
          + (data && data.truncated ? " (cut at the row limit)" : "")),
        resultTable(table),
      );
      card.classList.add("has-results");
      downloads.hidden = false;
      downloads.replaceChildren("Download: ",
        el("a", { href: runUrl(name, form, "csv"), download: `${name}.csv` }, "CSV"), " · ",
        el("a", { href: runUrl(name, form, "json"), download: `${name}.json` }, "JSON"));
    } catch (error) {
      showError(output, error, "The query failed");
      downloads.hidden = true;
    } finally {
      output.removeAttribute("aria-busy");
    }
  });
  const patterns = patternsOf(entry);
  const sparql = entry.sparql || entry.query || "";
  const card = el("article", { class: "query-card", id: `q-${name}`, dataset: { name } },
    el("h2", {}, el("a", { href: `#q-${name}`, class: "anchor" }, entry.title || name)),
    el("p", { class: "query-name" }, el("code", {}, name)),
    entry.description ? el("p", {}, entry.description) : "",
    patterns.length ? el("p", { class: "patterns" }, "Asks: ", patterns.map((p, i) => [i ? " · " : "", el("q", {}, p)])) : "",
    form,
    sparql ? el("details", {}, el("summary", {}, "SPARQL"), el("pre", {}, el("code", {}, sparql)),
      el("p", {}, el("a", { href: `/editor#query=${encodeURIComponent(sparql)}` }, "Open in the SPARQL editor"))) : "",
    output, downloads,
  );
  return card;
}

async function main() {
  try {
    const [catalogue, entities] = await Promise.all([
      fetchJSON("/api/queries"),
      loadEntities().catch(() => []),
    ]);
    const entries = Array.isArray(catalogue) ? catalogue : catalogue.queries || [];
    gallery.replaceChildren(...entries.map((entry) => card(entry, entities)));
    if (window.location.hash) {
      const target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
      if (target) target.scrollIntoView();
    }
  } catch (error) {
    showError(gallery, error, "The catalogue could not be loaded");
  } finally {
    gallery.removeAttribute("aria-busy");
  }
}

filter.addEventListener("input", () => {
  const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
  for (const item of gallery.querySelectorAll(".query-card")) {
    const text = item.textContent.toLowerCase();
    item.hidden = !words.every((word) => text.includes(word));
  }
});

main();
