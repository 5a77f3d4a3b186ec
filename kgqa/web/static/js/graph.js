// Network pictures with cytoscape.js (vendored, a global `cytoscape`): the investment
// network (investors -> rounds -> start-ups, parents -> subsidiaries, backers), whole
// or around one entity. Every drawn graph is kept in window.kgqaGraphs[<element id>]
// so that people (and the browser tests) can inspect it from the console.
import { el, entityHref, localName, prefixBlock, sparqlSelect, val } from "./common.js";

window.kgqaGraphs = window.kgqaGraphs || {};

const NETWORK_QUERY = `${prefixBlock(["kgqa", "rdfs"])}
SELECT DISTINCT ?s ?sLabel ?sKind ?o ?oLabel ?oKind ?rel WHERE {
  {
    ?s kgqa:makesInvestment ?investment . ?investment kgqa:inRound ?o .
    BIND (IF(EXISTS { ?investment kgqa:isLeadInvestor true }, "led", "invested in") AS ?rel)
  } UNION {
    ?s kgqa:makesInvestment ?investment . ?investment kgqa:investee ?o .
    FILTER NOT EXISTS { ?investment kgqa:inRound ?anyRound }
    BIND ("invested in" AS ?rel)
  } UNION {
    ?s kgqa:fundedOrganization ?o . BIND ("funded" AS ?rel)
  } UNION {
    ?s kgqa:hasSubsidiary ?o . BIND ("subsidiary" AS ?rel)
  } UNION {
    ?relationship kgqa:provider ?s ; kgqa:counterparty ?o ; kgqa:relationshipKind ?kind .
    OPTIONAL { ?kind rdfs:label ?kindLabel FILTER (LANG(?kindLabel) = "en") }
    BIND (COALESCE(STR(?kindLabel), STRAFTER(STR(?kind), "#")) AS ?rel)
  }
  OPTIONAL { ?s rdfs:label ?sLabel FILTER (LANG(?sLabel) = "en" || LANG(?sLabel) = "") }
  OPTIONAL { ?o rdfs:label ?oLabel FILTER (LANG(?oLabel) = "en" || LANG(?oLabel) = "") }
  BIND (IF(EXISTS { ?s a kgqa:FundingRound }, "round", IF(EXISTS { ?s a kgqa:Startup }, "startup",
        IF(EXISTS { ?s kgqa:makesInvestment ?x1 } || EXISTS { ?s a kgqa:TechGiant }, "investor", "other"))) AS ?sKind)
  BIND (IF(EXISTS { ?o a kgqa:FundingRound }, "round", IF(EXISTS { ?o a kgqa:Startup }, "startup",
        IF(EXISTS { ?o kgqa:makesInvestment ?x2 } || EXISTS { ?o a kgqa:TechGiant }, "investor", "other"))) AS ?oKind)
}`;

let networkPromise;

/** The whole network as {nodes: Map iri -> {id, label, kind}, edges: [{source, target, label}]}. */
export function loadNetwork() {
  if (!networkPromise) {
    networkPromise = sparqlSelect(NETWORK_QUERY).then(({ rows }) => {
      const nodes = new Map();
      const edges = new Map();
      const node = (iri, label, kind) => {
        if (!nodes.has(iri)) nodes.set(iri, { id: iri, label: label || localName(iri), kind: kind || "other" });
      };
      for (const row of rows) {
        const s = val(row, "s");
        const o = val(row, "o");
        node(s, val(row, "sLabel"), val(row, "sKind"));
        node(o, val(row, "oLabel"), val(row, "oKind"));
        const label = val(row, "rel");
        const key = `${s} ${label} ${o}`;
        if (!edges.has(key)) edges.set(key, { id: key, source: s, target: o, label });
      }
      return { nodes, edges: [...edges.values()] };
    });
    networkPromise.catch(() => {
      networkPromise = undefined;
    });
  }
  return networkPromise;
}

/** The part of the network within `hops` links of `focus` (either direction). */
export function neighbourhood(network, focus, hops) {
  if (!focus) return network;
  const keep = new Set([focus]);
  let frontier = new Set([focus]);
  for (let i = 0; i < hops; i++) {
    const next = new Set();
    for (const edge of network.edges) {
      if (frontier.has(edge.source) && !keep.has(edge.target)) next.add(edge.target);
      if (frontier.has(edge.target) && !keep.has(edge.source)) next.add(edge.source);
    }
    next.forEach((iri) => keep.add(iri));
    frontier = next;
  }
  const nodes = new Map([...network.nodes].filter(([iri]) => keep.has(iri)));
  if (!nodes.has(focus)) nodes.set(focus, { id: focus, label: localName(focus), kind: "other" });
  return { nodes, edges: network.edges.filter((e) => keep.has(e.source) && keep.has(e.target)) };
}

const STYLE = [
  {
    selector: "node",
    style: {
      label: "data(label)", "font-size": 11, "text-wrap": "wrap", "text-max-width": 110,
      "text-valign": "bottom", "text-margin-y": 4, color: "#1f2933",
      "background-color": "#7b8794", width: 22, height: 22,
      "text-background-color": "#ffffff", "text-background-opacity": 0.8, "text-background-padding": 1,
    },
  },
  { selector: "node[kind = 'investor']", style: { "background-color": "#1d4e89", shape: "round-rectangle", width: 28, height: 28 } },
  { selector: "node[kind = 'round']", style: { "background-color": "#f4a261", shape: "diamond" } },
  { selector: "node[kind = 'startup']", style: { "background-color": "#2a9d8f", width: 28, height: 28 } },
  { selector: "node[?focus]", style: { "border-width": 4, "border-color": "#e63946", "font-weight": "bold" } },
  { selector: "node:selected", style: { "border-width": 3, "border-color": "#111" } },
  {
    selector: "edge",
    style: {
      width: 1.5, "line-color": "#9aa5b1", "target-arrow-color": "#9aa5b1", "target-arrow-shape": "triangle",
      "curve-style": "bezier", label: "data(label)", "font-size": 9, color: "#52606d",
      "text-rotation": "autorotate", "text-background-color": "#ffffff", "text-background-opacity": 0.8,
    },
  },
  { selector: "edge[label = 'led']", style: { width: 3, "line-color": "#e63946", "target-arrow-color": "#e63946" } },
];

/**
 * A layered picture that reads top to bottom: investors and parent companies, then
 * funding rounds, then start-ups (subsidiaries a little below their parents). Within a
 * layer, nodes are ordered by the mean position of their neighbours (a few barycentre
 * sweeps) so that few links cross. Deterministic, unlike force-directed layouts, so the
 * picture is the same on every visit.
 */
function layered(cy) {
  const levelOf = (node) => {
    const kind = node.data("kind");
    if (kind === "round") return 1;
    if (kind === "startup") return 2;
    if (node.incomers("edge[label = 'subsidiary']").nonempty()) return 0.5;
    if (node.outgoers("edge").nonempty()) return 0;
    return 2;
  };
  const layers = new Map();
  cy.nodes().forEach((node) => {
    const level = levelOf(node);
    if (!layers.has(level)) layers.set(level, []);
    layers.get(level).push(node);
  });
  const order = new Map();
  const levels = [...layers.keys()].sort((a, b) => a - b);
  for (const level of levels) {
    layers.get(level).sort((a, b) => a.data("label").localeCompare(b.data("label")));
    layers.get(level).forEach((node, i) => order.set(node.id(), i / Math.max(1, layers.get(level).length - 1)));
  }
  const sweep = (sequence) => {
    for (const level of sequence) {
      const nodes = layers.get(level);
      const centre = (node) => {
        const around = node.neighborhood("node").map((n) => order.get(n.id()));
        return around.length ? around.reduce((a, b) => a + b, 0) / around.length : order.get(node.id());
      };
      const keyed = nodes.map((node) => [centre(node), node]);
      keyed.sort((a, b) => a[0] - b[0] || a[1].data("label").localeCompare(b[1].data("label")));
      layers.set(level, keyed.map(([, node]) => node));
      layers.get(level).forEach((node, i) => order.set(node.id(), i / Math.max(1, nodes.length - 1)));
    }
  };
  for (let i = 0; i < 4; i++) {
    sweep(levels);
    sweep([...levels].reverse());
  }
  const widest = Math.max(...levels.map((level) => layers.get(level).length));
  const width = Math.max(widest * 120, 600);
  const positions = {};
  for (const level of levels) {
    const nodes = layers.get(level);
    const step = width / Math.max(nodes.length, 1);
    nodes.forEach((node, i) => {
      positions[node.id()] = { x: step * (i + 0.5), y: level * 170 + (level === 2 && i % 2 ? 36 : 0) };
    });
  }
  return { name: "preset", positions, fit: true, padding: 24, animate: false };
}

/**
 * Draw `graph` ({nodes, edges} as above, or plain element lists) into `container`.
 * Clicking (or Enter on the list below) a node of this graph opens its page.
 */
export function draw(container, graph, { focus, layout } = {}) {
  const elements = [
    ...[...graph.nodes.values()].map((n) => ({ group: "nodes", data: { ...n, focus: n.id === focus } })),
    ...graph.edges.map((e) => ({ group: "edges", data: e })),
  ];
  const cy = window.cytoscape({
    container,
    elements,
    style: STYLE,
    layout: { name: "null" },
    minZoom: 0.2,
    maxZoom: 3,
  });
  // Fitting a small graph would blow it up; keep labels at a readable size instead.
  cy.one("layoutstop", () => {
    if (cy.zoom() > 1.25) {
      cy.zoom(1.25);
      cy.center();
    }
  });
  cy.layout(layout || layered(cy)).run();
  cy.on("tap", "node", (event) => {
    const href = entityHref(event.target.id());
    if (href) window.location.assign(href);
  });
  cy.on("mouseover", "node", (event) => {
    container.style.cursor = entityHref(event.target.id()) ? "pointer" : "default";
  });
  cy.on("mouseout", "node", () => {
    container.style.cursor = "default";
  });
  if (container.id) window.kgqaGraphs[container.id] = cy;
  container.dataset.nodes = String(cy.nodes().length);
  container.dataset.drawn = "true";

  // The same nodes as a list of links: the keyboard and screen-reader way in.
  const list = container.closest("figure")?.querySelector(".graph-nodes ul");
  if (list) {
    const sorted = [...graph.nodes.values()].sort((a, b) => a.label.localeCompare(b.label));
    list.replaceChildren(...sorted.map((n) => {
      const href = entityHref(n.id);
      return el("li", { class: `kind-${n.kind}` }, href ? el("a", { href }, n.label) : n.label);
    }));
  }
  return cy;
}

/** Fill every `.graph[data-focus]` placeholder of the page. */
export async function drawPlaceholders(root = document) {
  const placeholders = [...root.querySelectorAll(".graph")];
  if (!placeholders.length) return;
  try {
    const network = await loadNetwork();
    for (const container of placeholders) {
      const focus = container.dataset.focus || undefined;
      const hops = Number(container.dataset.hops || 2);
      const part = neighbourhood(network, focus, hops);
      if (focus && part.edges.length === 0) {
        container.replaceChildren(el("p", { class: "graph-empty" }, "This entity has no investment links in the graph."));
        container.classList.add("empty");
        container.dataset.drawn = "true";
        container.dataset.nodes = "0";
        continue;
      }
      draw(container, part, { focus });
    }
  } catch (error) {
    for (const container of placeholders) {
      container.replaceChildren(el("p", { class: "error", role: "alert" }, `The network could not be drawn: ${error.message}`));
    }
  }
}

// --- N-Triples, for CONSTRUCT/DESCRIBE results in the editor --------------------

const TERM = String.raw`(<[^>]*>|_:[A-Za-z0-9_.-]+|"(?:[^"\\]|\\.)*"(?:@[A-Za-z0-9-]+|\^\^<[^>]*>)?)`;
const TRIPLE = new RegExp(String.raw`^\s*${TERM}\s*${TERM}\s*${TERM}\s*\.\s*$`);

function unescapeLiteral(text) {
  return text.replace(/\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)/g, (_, code) => {
    if (code[0] === "u" || code[0] === "U") return String.fromCodePoint(parseInt(code.slice(1), 16));
    return { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f" }[code] ?? code;
  });
}

/** Parse N-Triples into [{s, p, o, literal}] (terms as IRIs, _:ids or lexical forms). */
export function parseNTriples(text) {
  const triples = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim() || line.trim().startsWith("#")) continue;
    const match = TRIPLE.exec(line);
    if (!match) continue;
    const term = (t) => (t.startsWith("<") ? t.slice(1, -1) : t.startsWith('"') ? unescapeLiteral(t.slice(1, t.lastIndexOf('"'))) : t);
    triples.push({ s: term(match[1]), p: term(match[2]), o: term(match[3]), literal: match[3].startsWith('"') });
  }
  return triples;
}

/** A picture of RDF triples: resources are nodes; rdfs:label gives their names. */
export function triplesGraph(triples) {
  const labels = new Map();
  for (const t of triples) {
    if (t.literal && /#label$/.test(t.p) && !labels.has(t.s)) labels.set(t.s, t.o);
  }
  const nodes = new Map();
  const edges = [];
  const node = (id, literal) => {
    if (!nodes.has(id)) {
      const label = literal ? (id.length > 60 ? `${id.slice(0, 57)}…` : id) : labels.get(id) || localName(id) || id;
      nodes.set(id, { id, label, kind: literal ? "literal" : "other" });
    }
  };
  triples.forEach((t, i) => {
    if (t.literal && /#label$/.test(t.p)) return;
    const target = t.literal ? `literal:${i}:${t.o}` : t.o;
    node(t.s, false);
    if (t.literal) nodes.set(target, { id: target, label: t.o.length > 60 ? `${t.o.slice(0, 57)}…` : t.o, kind: "literal" });
    else node(t.o, false);
    edges.push({ id: `e${i}`, source: t.s, target, label: localName(t.p) });
  });
  for (const [iri] of labels) node(iri, false);
  return { nodes, edges };
}
