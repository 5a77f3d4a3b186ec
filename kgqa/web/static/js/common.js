// Helpers shared by the page scripts. Every request goes to this service's own HTTP
// interfaces (/sparql, /api/...), never anywhere else; DOM is built with textContent so
// that nothing from the graph or a reply is ever parsed as HTML.

// The namespaces come from the page (base.html, filled from kgqa/vocab.py): spelled once, there.
const body = document.body;
export const ONTOLOGY_NS = body.dataset.ontologyNs;
export const RESOURCE_NS = body.dataset.resourceNs;
export const SPARQL_ENDPOINT = body.dataset.sparql || "/sparql";

export const PREFIXES = {
  kgqa: ONTOLOGY_NS,
  kgr: RESOURCE_NS,
  rdf: "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
  rdfs: "http://www.w3.org/2000/01/rdf-schema#",
  owl: "http://www.w3.org/2002/07/owl#",
  xsd: "http://www.w3.org/2001/XMLSchema#",
  skos: "http://www.w3.org/2004/02/skos/core#",
  prov: "http://www.w3.org/ns/prov#",
  schema: "https://schema.org/",
  org: "http://www.w3.org/ns/org#",
};

export function prefixBlock(names = Object.keys(PREFIXES)) {
  return names.map((name) => `PREFIX ${name}: <${PREFIXES[name]}>`).join("\n") + "\n";
}

/** Create an element: el("a", {href: "/x", class: "c"}, "text", child, ...). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** The error message of a failed reply: the service's {"error": ...} envelope when there is one. */
async function errorOf(response) {
  const text = await response.text();
  try {
    const data = JSON.parse(text);
    if (data && data.error) return String(data.error);
  } catch {
    // not JSON: fall through to the text itself
  }
  return text.trim().slice(0, 300) || `${response.status} ${response.statusText}`;
}

export async function fetchJSON(url, options = {}) {
  const response = await fetch(url, {
    ...options,
    headers: { Accept: "application/json", ...(options.headers || {}) },
  });
  if (!response.ok) throw new Error(await errorOf(response));
  return response.json();
}

/** Run a SELECT on /sparql; returns {vars, rows} with rows as {var: {type, value, ...}}. */
export async function sparqlSelect(query) {
  const data = await fetchJSON(SPARQL_ENDPOINT, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Accept: "application/sparql-results+json",
    },
    body: new URLSearchParams({ query }).toString(),
  });
  return { vars: (data.head && data.head.vars) || [], rows: (data.results && data.results.bindings) || [] };
}

export function val(row, name) {
  const cell = row && row[name];
  if (cell === undefined || cell === null) return undefined;
  return typeof cell === "object" ? cell.value : cell;
}

export function localName(iri) {
  const match = /[#/]([^#/]*)$/.exec(iri || "");
  return match ? match[1] : iri;
}

/** The page of an entity of this graph, or undefined for IRIs from elsewhere. */
export function entityHref(iri) {
  if (typeof iri !== "string") return undefined;
  if (iri.startsWith(RESOURCE_NS)) return "/entity/" + encodeURIComponent(iri.slice(RESOURCE_NS.length));
  return undefined;
}

export function compactIri(iri) {
  for (const [name, ns] of Object.entries(PREFIXES)) {
    if (iri.startsWith(ns) && /^[\w.-]*$/.test(iri.slice(ns.length))) return `${name}:${iri.slice(ns.length)}`;
  }
  return iri;
}

/**
 * A cell of a result table: IRIs of the graph become links to their pages, shown by
 * label when the reply carries one (/api/queries cells: {type: "iri", value, label}).
 */
export function cellNode(cell) {
  if (cell === undefined || cell === null) return "";
  const value = typeof cell === "object" ? cell.value : cell;
  const type = typeof cell === "object" ? cell.type : undefined;
  const isIri = type === "uri" || type === "iri" || (type === undefined && /^https?:\/\//.test(String(value)));
  if (isIri) {
    const href = entityHref(value);
    const text = (typeof cell === "object" && cell.label) || compactIri(value);
    return href ? el("a", { href, title: value }, text) : el("span", { title: value }, text);
  }
  return String(value);
}

/**
 * Normalise the rows of any JSON result shape to {vars, rows}: SPARQL JSON results
 * ({head, results}), a list of objects, or {rows, columns|vars}.
 */
export function tabular(data) {
  if (data && data.head && data.results) return { vars: data.head.vars || [], rows: data.results.bindings || [] };
  if (data && typeof data.boolean === "boolean") return { vars: ["boolean"], rows: [{ boolean: String(data.boolean) }] };
  let rows = Array.isArray(data) ? data : (data && (data.rows || data.results || data.bindings)) || [];
  let vars = (data && !Array.isArray(data) && (data.vars || data.columns || data.variables)) || [];
  if (rows.length && Array.isArray(rows[0])) {
    rows = rows.map((cells) => Object.fromEntries(vars.map((name, i) => [name, cells[i]])));
  }
  if (!vars.length) {
    const seen = new Set();
    rows.forEach((row) => Object.keys(row).forEach((key) => seen.add(key)));
    vars = [...seen];
  }
  return { vars, rows };
}

export function resultTable({ vars, rows }, caption) {
  const table = el("table", { class: "results" });
  if (caption) table.append(el("caption", {}, caption));
  table.append(el("thead", {}, el("tr", {}, vars.map((name) => el("th", { scope: "col" }, name)))));
  table.append(el("tbody", {}, rows.map((row) => el("tr", {}, vars.map((name) => el("td", {}, cellNode(row[name])))))));
  return el("div", { class: "table-scroll" }, table);
}

// --- the article ---------------------------------------------------------------

let articlePromise;

/**
 * The source article and its evidence sentences, from the graph itself:
 * {text, iri, label, evidence: [{iri, quote, start, end}]} (offsets in code points,
 * as recorded by the build).
 */
export function loadArticle() {
  if (!articlePromise) {
    const query = `${prefixBlock(["kgqa", "rdfs", "prov"])}
SELECT ?doc ?label ?text ?ev ?quote ?start ?end WHERE {
  ?doc a kgqa:SourceDocument ; kgqa:sourceText ?text .
  OPTIONAL { ?doc rdfs:label ?label }
  OPTIONAL {
    ?ev prov:wasQuotedFrom ?doc ; kgqa:quote ?quote ; kgqa:charStart ?start ; kgqa:charEnd ?end .
  }
}`;
    articlePromise = sparqlSelect(query).then(({ rows }) => {
      if (!rows.length) throw new Error("The graph has no source article.");
      const first = rows[0];
      const evidence = new Map();
      for (const row of rows) {
        const iri = val(row, "ev");
        if (!iri || val(row, "doc") !== val(first, "doc") || evidence.has(iri)) continue;
        evidence.set(iri, {
          iri,
          quote: val(row, "quote"),
          start: Number(val(row, "start")),
          end: Number(val(row, "end")),
        });
      }
      const article = { iri: val(first, "doc"), label: val(first, "label"), text: val(first, "text") };
      // Trust the recorded offsets only where they give the quote back; otherwise (a
      // text re-indented by a serialiser, say) find the quote in the text itself.
      const chars = Array.from(article.text);
      article.evidence = [...evidence.values()]
        .map((ev) => {
          if (chars.slice(ev.start, ev.end).join("") === ev.quote) return ev;
          const at = article.text.indexOf(ev.quote);
          if (at < 0) return undefined;
          const start = Array.from(article.text.slice(0, at)).length;
          return { ...ev, start, end: start + Array.from(ev.quote).length };
        })
        .filter(Boolean)
        .sort((a, b) => a.start - b.start);
      return article;
    });
    articlePromise.catch(() => {
      articlePromise = undefined;
    });
  }
  return articlePromise;
}

/** Paragraphs of the article as [start, end) code-point ranges (blank lines separate them). */
export function paragraphs(chars) {
  const ranges = [];
  let start = 0;
  for (let i = 0; i <= chars.length; i++) {
    const atBreak = i === chars.length || (chars[i] === "\n" && chars[i + 1] === "\n");
    if (atBreak) {
      if (chars.slice(start, i).join("").trim()) ranges.push([start, i]);
      while (i < chars.length && chars[i] === "\n") i++;
      start = i;
    }
  }
  return ranges;
}

/** Where a quote is in the article: the recorded offsets when they match, else a search. */
export function locate(article, quote) {
  const chars = Array.from(article.text);
  const known = article.evidence.find((ev) => ev.quote === quote);
  if (known && chars.slice(known.start, known.end).join("") === quote) return { start: known.start, end: known.end };
  const at = article.text.indexOf(quote);
  if (at < 0) return undefined;
  const start = Array.from(article.text.slice(0, at)).length;
  return { start, end: start + Array.from(quote).length };
}

/**
 * A paragraph (or several) of the article with spans marked. `spans` are
 * {start, end, attrs}; returns a <p> per paragraph in [from, to).
 */
export function markedParagraphs(article, spans, from = 0, to = Infinity) {
  const chars = Array.from(article.text);
  const result = [];
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  for (const [pStart, pEnd] of paragraphs(chars)) {
    if (pEnd <= from || pStart >= to) continue;
    const p = el("p", { dataset: { start: pStart, end: pEnd } });
    let cursor = pStart;
    for (const span of sorted) {
      if (span.end <= pStart || span.start >= pEnd || span.start < cursor) continue;
      if (span.start > cursor) p.append(chars.slice(cursor, span.start).join(""));
      const end = Math.min(span.end, pEnd);
      p.append(el("mark", span.attrs || {}, chars.slice(span.start, end).join("")));
      cursor = end;
    }
    if (cursor < pEnd) p.append(chars.slice(cursor, pEnd).join(""));
    result.push(p);
  }
  return result;
}

export function showError(container, error, prefix = "Something went wrong") {
  container.replaceChildren(el("p", { class: "error", role: "alert" }, `${prefix}: ${error.message || error}`));
}

// --- entities, for suggestions and parameter fields ----------------------------

let entitiesPromise;

/**
 * The named things of the graph: [{iri, label, kinds: Set of kgqa class local names}],
 * sorted by label. Used to offer names in forms and to fill question patterns.
 */
export function loadEntities() {
  if (!entitiesPromise) {
    const query = `${prefixBlock(["kgqa", "rdfs"])}
SELECT DISTINCT ?entity ?label ?type WHERE {
  VALUES ?group { kgqa:Agent kgqa:Product kgqa:FundingRound kgqa:RoundType kgqa:Role kgqa:RelationshipKind }
  ?entity a ?group ; rdfs:label ?label .
  FILTER (LANG(?label) = "en" || LANG(?label) = "")
  ?entity a ?type .
  FILTER (STRSTARTS(STR(?type), STR(kgqa:)))
}`;
    entitiesPromise = sparqlSelect(query).then(({ rows }) => {
      const byIri = new Map();
      for (const row of rows) {
        const iri = val(row, "entity");
        if (!byIri.has(iri)) byIri.set(iri, { iri, label: val(row, "label"), kinds: new Set() });
        byIri.get(iri).kinds.add(localName(val(row, "type")));
      }
      return [...byIri.values()].sort((a, b) => a.label.localeCompare(b.label));
    });
    entitiesPromise.catch(() => {
      entitiesPromise = undefined;
    });
  }
  return entitiesPromise;
}

/** The class a parameter asks for, as a kgqa local name ("kgqa:Startup" -> "Startup"). */
export function classOf(param) {
  const range = param && (param.class || param.range || param.rdfType || param.type_iri || param.kind_class);
  if (!range || typeof range !== "string") return undefined;
  if (range.startsWith("kgqa:")) return range.slice(5);
  if (range.startsWith(ONTOLOGY_NS)) return range.slice(ONTOLOGY_NS.length);
  return undefined;
}

/** Parameters of a catalogue entry in one shape: [{name, type, cls, description, optional}]. */
export function parametersOf(entry) {
  let params = entry.parameters || entry.params || [];
  if (!Array.isArray(params)) {
    params = Object.entries(params).map(([name, spec]) => ({ name, ...(typeof spec === "object" ? spec : {}) }));
  }
  return params.map((param) => {
    if (typeof param === "string") return { name: param, type: "iri", optional: false, description: "" };
    return {
      name: param.name,
      type: param.type || param.kind || "iri",
      cls: classOf(param),
      description: param.description || param.help || "",
      choices: Array.isArray(param.choices) ? param.choices : [],
      defaultValue: param.default,
      optional: Boolean(param.optional || param.required === false),
    };
  });
}

/** Question patterns of a catalogue entry ("who led {startup}'s round?"). */
export function patternsOf(entry) {
  const patterns = entry.ask || entry.questions || entry.patterns || [];
  return Array.isArray(patterns) ? patterns.filter((p) => typeof p === "string") : [patterns];
}
