// The overview: the whole investment network, and the article with every sentence
// that is evidence for a fact marked; selecting one lists its facts.
import {
  el, entityHref, loadArticle, localName, markedParagraphs, prefixBlock, showError, sparqlSelect, val,
} from "./common.js";
import { drawPlaceholders } from "./graph.js";

const FACTS_QUERY = `${prefixBlock(["kgqa", "rdfs", "owl"])}
SELECT DISTINCT ?ev ?fact ?factLabel ?source ?sourceLabel ?property ?target ?targetLabel WHERE {
  ?ev a kgqa:ArticleEvidence .
  { ?fact kgqa:hasEvidence ?ev } UNION { ?fact kgqa:evidence ?ev }
  OPTIONAL { ?fact rdfs:label ?factLabel FILTER (LANG(?factLabel) = "en" || LANG(?factLabel) = "") }
  OPTIONAL {
    ?fact owl:annotatedSource ?source ; owl:annotatedProperty ?property ; owl:annotatedTarget ?target .
    OPTIONAL { ?source rdfs:label ?sourceLabel FILTER (LANG(?sourceLabel) = "en" || LANG(?sourceLabel) = "") }
    OPTIONAL { ?target rdfs:label ?targetLabel FILTER (LANG(?targetLabel) = "en" || LANG(?targetLabel) = "") }
  }
}`;

/** One fact as {label, href}: n-ary facts by their own label, axioms as "source — property — target". */
function describe(row) {
  const source = val(row, "source");
  if (source) {
    const target = val(row, "target");
    const targetText = val(row, "targetLabel") || (target && target.includes("#") ? localName(target) : target);
    return {
      label: `${val(row, "sourceLabel") || localName(source)} — ${localName(val(row, "property"))} — ${targetText}`,
      href: entityHref(source),
    };
  }
  const fact = val(row, "fact");
  return { label: val(row, "factLabel") || localName(fact), href: entityHref(fact) };
}

function showFacts(panel, evidence, facts) {
  panel.replaceChildren(
    el("h3", {}, `Sentence ${localName(evidence.iri).replace(/^.*_s0*/, "")}`),
    el("blockquote", {}, evidence.quote),
    el("p", {}, facts.length === 1 ? "is evidence for this fact:" : `is evidence for these ${facts.length} facts:`),
    el("ul", { class: "facts" }, facts.map((f) => el("li", {}, f.href ? el("a", { href: f.href }, f.label) : f.label))),
  );
}

async function article() {
  const container = document.getElementById("article");
  const panel = document.getElementById("fact-panel");
  try {
    const [doc, { rows }] = await Promise.all([loadArticle(), sparqlSelect(FACTS_QUERY)]);
    const facts = new Map();
    for (const row of rows) {
      const ev = val(row, "ev");
      if (!facts.has(ev)) facts.set(ev, new Map());
      const fact = describe(row);
      facts.get(ev).set(fact.label, fact);
    }
    const byIri = new Map(doc.evidence.map((ev) => [ev.iri, ev]));
    const spans = doc.evidence
      .filter((ev) => facts.has(ev.iri))
      .map((ev) => ({
        start: ev.start,
        end: ev.end,
        attrs: {
          class: "fact-mark", tabindex: "0", role: "button", "aria-controls": "fact-panel",
          title: `${facts.get(ev.iri).size} fact(s)`, dataset: { ev: ev.iri, facts: facts.get(ev.iri).size },
        },
      }));
    container.replaceChildren(...markedParagraphs(doc, spans));
    container.setAttribute("aria-label", doc.label || "The article");
    container.dataset.marks = String(spans.length);
    const select = (mark) => {
      container.querySelectorAll("mark.selected").forEach((m) => m.classList.remove("selected"));
      mark.classList.add("selected");
      showFacts(panel, byIri.get(mark.dataset.ev), [...facts.get(mark.dataset.ev).values()]);
    };
    container.addEventListener("click", (event) => {
      const mark = event.target.closest("mark.fact-mark");
      if (mark) select(mark);
    });
    container.addEventListener("keydown", (event) => {
      const mark = event.target.closest("mark.fact-mark");
      if (mark && (event.key === "Enter" || event.key === " ")) {
        event.preventDefault();
        select(mark);
      }
    });
  } catch (error) {
    showError(container, error, "The article could not be loaded");
  } finally {
    container.removeAttribute("aria-busy");
  }
}

drawPlaceholders();
article();
