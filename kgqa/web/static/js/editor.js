// The SPARQL editor: YASGUI (vendored, a global `Yasgui`) on this service's /sparql,
// with the graph's prefixes filled in and a "Graph" results view for CONSTRUCT.
import { el, fetchJSON, prefixBlock, SPARQL_ENDPOINT } from "./common.js";
import { draw, parseNTriples, triplesGraph } from "./graph.js";

const endpoint = new URL(SPARQL_ENDPOINT, window.location.href).href;

const EXAMPLE = `${prefixBlock()}
# Who invested in which company, and in which round (try the Graph view with a CONSTRUCT too).
SELECT ?investorLabel ?companyLabel ?roundLabel WHERE {
  ?investment a kgqa:Investment ;
              kgqa:investor ?investor ;
              kgqa:investee ?company .
  OPTIONAL { ?investment kgqa:inRound/rdfs:label ?roundLabel }
  ?investor rdfs:label ?investorLabel .
  ?company rdfs:label ?companyLabel .
}
ORDER BY ?companyLabel ?investorLabel
`;

/** A YASR results view drawing CONSTRUCT/DESCRIBE results (N-Triples) with cytoscape. */
class GraphPlugin {
  constructor(yasr) {
    this.yasr = yasr;
    this.priority = 15; // above the raw response, below the table
    this.label = "Graph";
    this.hideFromSelection = false;
  }

  triples() {
    const results = this.yasr.results;
    if (!results || results.getError?.() || !results.getOriginalResponseAsString) return [];
    const type = String(results.getContentType?.() || "");
    if (type && !/n-triples|plain/.test(type)) return [];
    return parseNTriples(results.getOriginalResponseAsString() || "");
  }

  canHandleResults() {
    return this.triples().length > 0;
  }

  draw() {
    const graph = triplesGraph(this.triples());
    const container = el("div", { class: "graph yasr-graph", id: "editor-graph" });
    this.yasr.resultsEl.append(container);
    draw(container, graph, { layout: { name: "cose", animate: false, padding: 20 } });
  }

  getIcon() {
    return el("span", { class: "yasr-graph-icon", "aria-hidden": "true" }, "◉");
  }

  destroy() {
    delete window.kgqaGraphs?.["editor-graph"];
  }
}

function configure() {
  const { Yasgui } = window;
  // Autocompleters that call lov.linkeddata.es are switched off: no request may leave
  // the machine. Prefix completion uses the list bundled in yasgui.min.js.
  Yasgui.Yasqe.defaults.autocompleters = Yasgui.Yasqe.defaults.autocompleters.filter(
    (name) => name !== "class" && name !== "property",
  );
  Yasgui.Yasqe.defaults.prefixCcApi = null;
  Yasgui.Yasr.registerPlugin("graph", GraphPlugin);
  return new Yasgui(document.getElementById("yasgui"), {
    requestConfig: {
      endpoint,
      method: "POST",
      acceptHeaderGraph: "application/n-triples,text/turtle;q=0.9",
      acceptHeaderSelect: "application/sparql-results+json",
    },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: () => [{ endpoint }] },
    populateFromUrl: false,
    autofocus: false,
    persistenceId: "kgqa-yasgui",
    tabName: "Query",
    yasqe: { value: EXAMPLE, editorHeight: "320px" },
    yasr: { prefixes: {}, defaultPlugin: "table", pluginOrder: ["table", "graph", "response"] },
  });
}

/** Open a query in a tab of its own (from "open in editor" links: /editor#query=...). */
function openQuery(yasgui, query, name) {
  // The same query opened twice (a reload, the same link again) reuses its tab.
  return yasgui.addTab(true, { name, yasqe: { value: query }, requestConfig: { endpoint } }, { avoidDuplicateTabs: true });
}

function queryFromHash() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  return params.get("query");
}

async function canned(yasgui) {
  const select = document.getElementById("canned-select");
  try {
    const catalogue = await fetchJSON("/api/queries");
    const entries = Array.isArray(catalogue) ? catalogue : catalogue.queries || [];
    for (const entry of entries) {
      if (entry.sparql) select.append(el("option", { value: entry.name }, entry.title || entry.name));
    }
    select.addEventListener("change", () => {
      const entry = entries.find((e) => e.name === select.value);
      if (entry) openQuery(yasgui, entry.sparql, entry.name);
      select.value = "";
    });
  } catch (error) {
    select.disabled = true;
    console.warn("no canned queries:", error.message);
  }
}

const yasgui = configure();
window.kgqaYasgui = yasgui;
// Tabs restored from an earlier visit may point at another port or host of this service.
for (const id of Object.keys(yasgui._tabs || {})) {
  const tab = yasgui.getTab(id);
  if (tab && tab.getEndpoint && tab.getEndpoint() !== endpoint) tab.setEndpoint(endpoint);
}
const fromHash = queryFromHash();
if (fromHash) {
  openQuery(yasgui, fromHash, "From a question");
  window.history.replaceState(null, "", window.location.pathname);
}
canned(yasgui);
document.body.dataset.editorReady = "true";
