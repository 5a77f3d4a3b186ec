// The question box: /api/ask, then the answer with its evidence in the article.
import {
  el, entityHref, fetchJSON, loadArticle, loadEntities, locate, markedParagraphs,
  parametersOf, patternsOf, showError,
} from "./common.js";

const form = document.getElementById("ask-form");
const input = document.getElementById("question");
const section = document.getElementById("answer");
const statusBox = document.getElementById("answer-status");
const list = document.getElementById("answer-list");
const explanation = document.getElementById("answer-explanation");
const evidenceBox = document.getElementById("answer-evidence");
const sparqlBox = document.getElementById("answer-sparql");
const sparqlText = document.getElementById("answer-sparql-text");
const bindingsBox = document.getElementById("answer-bindings");
const openEditor = document.getElementById("answer-open-editor");
const textBox = document.getElementById("answer-text");
const suggestionsBox = document.getElementById("answer-suggestions");

function answerItem(answer) {
  const label = answer.label ?? (answer.value === null || answer.value === undefined ? answer.iri : String(answer.value));
  const href = entityHref(answer.iri);
  const main = href ? el("a", { href, class: "answer-label" }, label) : el("span", { class: "answer-label" }, label);
  // No "= value" and no alias list: the sentence above says it in words (hidden labels are
  // the curators' record of mistranslations, not names to show).
  return el("li", {}, main);
}

/** The answer as a sentence: the reader's `text`, else one built like pages.answer_sentence. */
function sentenceOf(reply) {
  if (reply.text) return reply.text;
  const answers = reply.answers || [];
  if (reply.status !== "answered" || !answers.length) return reply.explanation || "The graph does not answer this.";
  const why = (reply.explanation || "").replace(/\.$/, "");
  if (typeof answers[0].value === "boolean") return `${answers[0].value ? "Yes" : "No"}${why ? ` — ${why}.` : "."}`;
  const names = answers.map((a) => a.label ?? String(a.value ?? ""));
  const listed = names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  return why ? `${listed} — ${why}.` : `${listed}.`;
}

function renderSuggestions(reply, answered) {
  suggestionsBox.replaceChildren();
  if (answered) return;
  const suggestions = reply.suggestions || [];
  if (suggestions.length) {
    suggestionsBox.append(el("h3", {}, "Questions the graph can answer"), el("ul", {}, suggestions.map((s) =>
      el("li", {}, el("a", { href: `/?q=${encodeURIComponent(s.question)}` }, s.question),
        s.why ? el("small", {}, ` ${s.why}`) : null))));
  }
  const linked = reply.linked || [];
  if (linked.length) {
    suggestionsBox.append(el("h3", {}, "Names found in the question"), el("ul", {}, linked.map((e) => {
      const href = entityHref(e.iri);
      return el("li", {}, href ? el("a", { href }, e.label) : e.label);
    })));
  }
}

async function renderEvidence(evidence) {
  evidenceBox.replaceChildren();
  if (!evidence || !evidence.length) return;
  evidenceBox.append(el("h3", {}, evidence.length === 1 ? "Evidence" : "Evidence sentences"));
  let article;
  try {
    article = await loadArticle();
  } catch (error) {
    article = undefined;
    console.warn("article not available", error);
  }
  for (const item of evidence) {
    const text = item.text || item.quote || "";
    const where = article && text ? locate(article, text) : undefined;
    if (where) {
      const attrs = { class: "evidence-mark", title: "the evidence sentence" };
      const paras = markedParagraphs(article, [{ ...where, attrs }], where.start, where.end);
      evidenceBox.append(el("blockquote", { class: "in-article", cite: item.source || "" },
        paras, el("footer", {}, "— ", el("a", { href: "/overview#article" }, article.label || "the article"))));
    } else {
      // Evidence that is not a sentence of the article (the curators' own record).
      evidenceBox.append(el("blockquote", { class: "external" }, el("p", {}, text)));
    }
  }
}

function render(reply) {
  section.hidden = false;
  const answered = reply.status === "answered" && (reply.answers || []).length > 0;
  statusBox.className = `status ${answered ? "answered" : "unknown"}`;
  statusBox.replaceChildren(
    el("p", {}, el("span", { class: "question" }, reply.question || ""), " — ",
      answered ? "the graph says:" : "the graph does not answer this."),
  );
  textBox.textContent = sentenceOf(reply);
  list.replaceChildren(...(answered ? reply.answers : []).map(answerItem));
  explanation.textContent = answered ? reply.explanation || "" : "";
  renderSuggestions(reply, answered);
  document.title = `${reply.question || ""} · Ask · kgqa`;
  if (reply.sparql) {
    sparqlBox.hidden = false;
    sparqlText.textContent = reply.sparql;
    openEditor.href = `/editor#query=${encodeURIComponent(reply.sparql)}`;
    const bindings = Object.entries(reply.bindings || {});
    bindingsBox.replaceChildren(
      reply.query ? el("span", {}, "Canned query ", el("a", { href: `/queries#q-${reply.query}` }, reply.query)) : "",
      bindings.length ? ` with ${bindings.map(([k, v]) => `${k} = ${v}`).join(", ")}` : "",
    );
  } else {
    sparqlBox.hidden = true;
  }
  return renderEvidence(reply.evidence);
}

async function ask(question) {
  section.hidden = false;
  section.setAttribute("aria-busy", "true");
  statusBox.className = "status";
  statusBox.replaceChildren(el("p", { class: "loading" }, "Looking it up…"));
  list.replaceChildren();
  textBox.textContent = "";
  suggestionsBox.replaceChildren();
  explanation.textContent = "";
  evidenceBox.replaceChildren();
  sparqlBox.hidden = true;
  try {
    const reply = await fetchJSON(`/api/ask?q=${encodeURIComponent(question)}`);
    await render(reply);
  } catch (error) {
    showError(statusBox, error, "The question could not be answered");
  } finally {
    section.removeAttribute("aria-busy");
    document.body.dataset.answered = "true";
  }
}

function submit(question) {
  input.value = question;
  const url = new URL(window.location.href);
  url.searchParams.set("q", question);
  window.history.pushState({ q: question }, "", url);
  return ask(question);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const question = input.value.trim();
  if (question) submit(question);
});

for (const chip of document.querySelectorAll(".chip[data-question]")) {
  chip.addEventListener("click", (event) => {
    event.preventDefault();
    submit(chip.dataset.question);
  });
}

window.addEventListener("popstate", () => {
  const question = new URL(window.location.href).searchParams.get("q");
  if (question) {
    input.value = question;
    ask(question);
  }
});

// Suggestions: every question pattern of the catalogue, filled with a name of the
// right kind so that picking one gives a question the graph can answer.
async function suggest() {
  const [catalogue, entities] = await Promise.all([fetchJSON("/api/queries"), loadEntities()]);
  const datalist = document.getElementById("question-suggestions");
  const seen = new Set();
  for (const entry of Array.isArray(catalogue) ? catalogue : catalogue.queries || []) {
    const params = Object.fromEntries(parametersOf(entry).map((p) => [p.name, p]));
    for (const pattern of patternsOf(entry)) {
      const question = pattern.replace(/\{(\w+)\}/g, (_, name) => {
        const cls = params[name] && params[name].cls;
        const match = entities.find((e) => !cls || e.kinds.has(cls));
        return match ? match.label : name;
      });
      if (seen.has(question)) continue;
      seen.add(question);
      datalist.append(el("option", { value: question }));
    }
  }
}

suggest().catch((error) => console.warn("no question suggestions:", error.message));
const initial = new URL(window.location.href).searchParams.get("q");
// A /?q= page arrives with its answer rendered on the server; ask again only to mark the evidence in
// its paragraph of the article (the server sends the sentences alone).
if (initial && section.dataset.serverRendered === "true") {
  const items = [...evidenceBox.querySelectorAll("blockquote.in-article p")].map((p) => ({ text: p.textContent }));
  if (items.length) renderEvidence(items);
} else if (initial) {
  ask(initial);
}
