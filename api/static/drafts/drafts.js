// The draft checker page: plain DOM, no build step. Relative URLs, so the router can be
// mounted under any prefix.
"use strict";

const $ = (id) => document.getElementById(id);
let draftText = "";
let findings = [];
const sources = new Map();      // corpus path -> text, fetched once

// A 503 with Retry-After (the corpus index still being built after a start) is waited out
// and asked again, for up to ten minutes, saying so; any other answer is returned at once.
const WAITING = "语料索引构建中，稍候… the corpus index is being built, waiting…";
async function patientFetch(url, request = {}) {
  for (let waited = 0; ; ) {
    const res = await fetch(url, request);
    const retry = Number(res.headers.get("Retry-After"));
    if (res.status !== 503 || !(retry > 0) || waited >= 600) return res;
    status(WAITING);
    const pause = Math.min(retry, 10);
    await new Promise((done) => setTimeout(done, pause * 1000));
    waited += pause;
  }
}

async function loadCities() {
  const res = await patientFetch("drafts/cities");
  if ($("status").textContent === WAITING) status("");   // not a check's message
  if (!res.ok) return;
  for (const city of (await res.json()).cities) {
    const opt = document.createElement("option");
    opt.value = opt.textContent = city;
    $("city").appendChild(opt);
  }
}

async function check(event) {
  event.preventDefault();
  const file = $("file").files[0];
  const city = $("city").value;
  let request;
  if (file) {
    const body = new FormData();
    body.append("file", file);
    if (city) body.append("city", city);
    request = { method: "POST", body };
    draftText = await file.text();
  } else {
    draftText = $("text").value;
    request = { method: "POST", headers: { "Content-Type": "application/json" },
                body: JSON.stringify({ text: draftText, city: city || null }) };
  }
  status("检查中… checking…");
  const res = await patientFetch("drafts/check", request);
  const data = await res.json();
  if (!res.ok) { status(data.detail || res.statusText, true); return; }
  findings = data.findings;
  status("");
  render();
}

function status(message, error = false) {
  $("status").textContent = message;
  $("status").className = error ? "error" : "";
}

// Text with spans marked; overlapping spans are cut at every boundary, each piece marked
// with the kind of the first finding covering it.
function marked(text, spans) {
  const cuts = new Set([0, text.length]);
  spans.forEach((s) => { cuts.add(s.start); cuts.add(s.end); });
  const points = [...cuts].sort((a, b) => a - b);
  const frag = document.createDocumentFragment();
  for (let i = 0; i + 1 < points.length; i++) {
    const [a, b] = [points[i], points[i + 1]];
    const covering = spans.filter((s) => s.start <= a && b <= s.end);
    const piece = text.slice(a, b);
    if (!covering.length) { frag.appendChild(document.createTextNode(piece)); continue; }
    const mark = document.createElement("mark");
    mark.textContent = piece;
    mark.className = "k-" + covering[0].kind;
    mark.dataset.ids = covering.map((s) => s.id).join(" ");
    mark.title = covering.map((s) => s.kind).join(", ");
    frag.appendChild(mark);
  }
  return frag;
}

function render() {
  const spans = findings.map((f, id) => ({ start: f.draft_start, end: f.draft_end, kind: f.kind, id }));
  $("draft").replaceChildren(marked(draftText, spans));
  $("source").replaceChildren();
  $("count").textContent = `(${findings.length})`;
  const list = $("findings");
  list.replaceChildren();
  findings.forEach((f, id) => {
    const li = document.createElement("li");
    li.dataset.id = id;
    li.innerHTML = `<span class="kind k-${f.kind}"></span> <span class="where"></span>
      <div class="zh"></div><div class="en"></div>`;
    li.querySelector(".kind").textContent = f.kind;
    li.querySelector(".where").textContent =
      `${f.draft_provision} ↔ ${f.corpus_source} ${f.corpus_provision} (${f.score.toFixed(2)})`;
    li.querySelector(".zh").textContent = f.explanation_zh;
    li.querySelector(".en").textContent = f.explanation_en;
    li.addEventListener("click", () => show(id));
    list.appendChild(li);
  });
  $("draft").querySelectorAll("mark").forEach((m) =>
    m.addEventListener("click", () => show(Number(m.dataset.ids.split(" ")[0]))));
}

async function show(id) {
  const f = findings[id];
  if (!sources.has(f.corpus_source)) {
    const res = await fetch("drafts/source?path=" + encodeURIComponent(f.corpus_source));
    if (!res.ok) { status((await res.json()).detail, true); return; }
    sources.set(f.corpus_source, await res.json());
  }
  const src = sources.get(f.corpus_source);
  $("source-title").textContent = `${src.title || f.corpus_source} · ${src.city || ""}`;
  $("source").replaceChildren(marked(src.text, [{ start: f.corpus_start, end: f.corpus_end, kind: f.kind, id }]));
  document.querySelectorAll("mark.active, li.active").forEach((el) => el.classList.remove("active"));
  for (const pane of ["draft", "source"]) {
    const mark = [...$(pane).querySelectorAll("mark")].find((m) => m.dataset.ids.split(" ").includes(String(id)));
    if (mark) { mark.classList.add("active"); mark.scrollIntoView({ block: "center" }); }
  }
  document.querySelector(`#findings li[data-id="${id}"]`)?.classList.add("active");
}

$("form").addEventListener("submit", check);
loadCities();
