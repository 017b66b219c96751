// policykg page: SPARQL editor (YASGUI) with the named queries, and the unit-task network.
// Everything shown comes from the JSON API (/queries, /api/...), the page's JSON twins.
"use strict";

const TEXT = {
  zh: { title: "政策知识图谱", tab_query: "SPARQL 查询", tab_network: "单位与任务网络", api: "API 文档",
        named: "命名查询", city: "城市", document: "文件", all: "全部", units: "单位",
        pick: "点击单位查看其条款原文。", missing: "查询编辑器未安装：请在仓库根目录运行 npm ci。",
        lead: "牵头", responsible: "责任", implied: "（推定：发文机关）", no_text: "（原文不可用）",
        count: (u, t) => `${u} 个单位，${t} 项任务`, browse: "浏览接口查询", queries: "问题",
        tab_search: "检索", search_go: "检索", search_hint: "单位、主题、指标或任意词语", indexing: "正在建立检索索引，稍候自动重试……", more_tasks: "更多任务",
        found: (n) => `共 ${n} 条`, topics: "主题", matched: "匹配", summary: "英文摘要", gloss: "标题释义" },
  en: { title: "Policy Knowledge Graph", tab_query: "SPARQL query", tab_network: "Units and tasks", api: "API docs",
        named: "Named queries", city: "City", document: "Document", all: "All", units: "Units",
        pick: "Click a unit to see its provisions in the source text.", missing: "Query editor not installed: run npm ci at the repository root.",
        lead: "lead", responsible: "responsible", implied: "(implied: issuing body)", no_text: "(source text unavailable)",
        count: (u, t) => `${u} units, ${t} tasks`, browse: "Browse API queries", queries: "Questions",
        tab_search: "Search", search_go: "Search", search_hint: "unit, topic, metric or any words", indexing: "Building the search index; retrying shortly…", more_tasks: "More tasks",
        found: (n) => `${n} provisions`, topics: "Topics", matched: "matched", summary: "In English", gloss: "Heading gloss" },
};
const state = { lang: localStorage.getItem("policykg-lang") || "zh", yasgui: null, cy: null, network: null, unit: null, query: null, search: null };
window.policykg = state;                       // for the browser test and the curious

const $ = (sel) => document.querySelector(sel);
const t = (key) => TEXT[state.lang][key];
async function getJSON(url, onWait = null) {
  // A 503 with Retry-After (the search index still being built after a start) is waited out
  // and asked again, for up to two minutes; any other failure is thrown at once.
  for (let waited = 0; ; ) {
    const r = await fetch(url, { headers: { Accept: "application/json" } });
    const retry = Number(r.headers.get("Retry-After"));
    if (onWait && r.status === 503 && retry > 0 && waited < 120) {
      onWait();
      const pause = Math.min(retry, 10);
      await new Promise((done) => setTimeout(done, pause * 1000));
      waited += pause;
      continue;
    }
    if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
    return r.json();
  }
}
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  Object.entries(attrs).forEach(([k, v]) => (k.startsWith("on") ? node.addEventListener(k.slice(2), v) : node.setAttribute(k, v)));
  children.flat().forEach((c) => node.append(c instanceof Node ? c : document.createTextNode(c ?? "")));
  return node;
}

// ---- language -----------------------------------------------------------------------------
function setLang(lang) {
  state.lang = lang;
  localStorage.setItem("policykg-lang", lang);
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((n) => { n.textContent = t(n.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((n) => { n.placeholder = t(n.dataset.i18nPlaceholder); });
  document.querySelectorAll(".lang").forEach((b) => b.classList.toggle("active", b.dataset.lang === lang));
  loadFilters();
  loadNamedQueries().catch(console.error);
  if ($("#network").classList.contains("active")) loadNetwork();
  if (state.unit) openUnit(state.unit);
  if (state.query) runSearch(state.query);
}

// ---- tabs ---------------------------------------------------------------------------------
function showTab(name) {
  document.querySelectorAll(".tab").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
  document.querySelectorAll(".panel").forEach((p) => p.classList.toggle("active", p.id === name));
  if (name === "network" && !state.network) loadNetwork();
  if (name === "network" && state.cy) state.cy.resize();
}

// ---- SPARQL editor ------------------------------------------------------------------------
function startEditor() {
  if (typeof Yasgui === "undefined") { $("#yasgui-missing").hidden = false; return; }
  state.yasgui = new Yasgui($("#yasgui"), {
    requestConfig: { endpoint: "/sparql", method: "POST" },
    copyEndpointOnNewTab: false,
    persistenceId: null,                       // a fresh editor each visit: named queries are one click away
  });
}
async function loadNamedQueries() {
  const { queries } = await getJSON("/queries");
  const list = $("#named-queries");
  list.replaceChildren();
  let group = null;
  for (const q of queries) {
    if (q.group !== group) { group = q.group; list.append(el("li", { class: "group", "data-i18n": group === "browse" ? "browse" : "queries" }, t(group === "browse" ? "browse" : "queries"))); }
    list.append(el("li", {}, el("button", { "data-query": q.name, title: q.description || q.title, onclick: () => runNamed(q) }, state.lang === "en" ? q.title_en : q.title_zh)));
  }
}
function runNamed(q) {
  if (!state.yasgui) return;
  const tab = state.yasgui.getTab();
  tab.setQuery(q.text);
  tab.query();
}

// ---- network ------------------------------------------------------------------------------
async function loadFilters() {
  const [cities, docs] = await Promise.all([getJSON(`/api/cities?lang=${state.lang}`), getJSON(`/api/documents?limit=500&lang=${state.lang}`)]);
  fill($("#city-filter"), cities.items.map((c) => [c.name_zh, c.name]));
  fill($("#search-city"), cities.items.map((c) => [c.name_zh, c.name]));
  fill($("#doc-filter"), docs.items.map((d) => [d.id, d.title || d.id]));
}
function fill(select, options) {
  const keep = select.value;
  select.replaceChildren(el("option", { value: "", "data-i18n": "all" }, t("all")), ...options.map(([v, label]) => el("option", { value: v }, label)));
  select.value = keep;
}
// Answers can arrive out of order (a whole-corpus network is slower than one city's): only the
// answer to the latest request may draw, or a late one would show what the filters no longer say.
const latest = { network: 0, unit: 0 };
async function loadNetwork() {
  const mine = ++latest.network;
  const params = new URLSearchParams({ lang: state.lang });
  if ($("#city-filter").value) params.set("city", $("#city-filter").value);
  if ($("#doc-filter").value) params.set("document", $("#doc-filter").value);
  const net = await getJSON(`/api/network?${params}`);
  if (mine !== latest.network) return;
  state.network = net;
  const units = net.nodes.filter((n) => n.kind === "unit");
  $("#net-count").textContent = t("count")(units.length, net.nodes.length - units.length);
  const elements = [
    ...net.nodes.map((n) => ({ data: { ...n, label: n.kind === "unit" ? n.label : "" } })),
    ...net.edges.map((e, i) => ({ data: { id: `e${i}`, ...e } })),
  ];
  if (typeof cytoscape !== "undefined") {
    if (state.cy) state.cy.destroy();
    state.cy = cytoscape({
      container: $("#cy"), elements,
      style: [
        { selector: "node[kind = 'unit']", style: { "background-color": "#1f6f8b", label: "data(label)", "font-size": 9, width: 14, height: 14 } },
        { selector: "node[kind = 'task']", style: { "background-color": "#c9a227", width: 6, height: 6 } },
        { selector: "edge[role = 'LeadRole']", style: { "line-color": "#a33", width: 1.5 } },
        { selector: "edge[role = 'ResponsibleRole']", style: { "line-color": "#99b", width: 0.8 } },
        { selector: "edge[basis = 'Implied']", style: { "line-style": "dashed" } },
        { selector: "node:selected", style: { "border-width": 3, "border-color": "#e33" } },
      ],
      layout: { name: "cose", animate: false, randomize: false },
    });
    state.cy.on("tap", "node[kind = 'unit']", (evt) => openUnit(evt.target.data("url")));
  }
  $("#unit-list").replaceChildren(...units.sort((a, b) => a.label.localeCompare(b.label))
    .map((u) => el("li", { "data-unit": u.url, onclick: () => { state.cy?.$id(u.id).select(); openUnit(u.url); } }, u.label)));
}
async function openUnit(url) {
  const mine = ++latest.unit;
  state.unit = url;
  const params = new URLSearchParams({ lang: state.lang });
  if ($("#doc-filter").value) params.set("document", $("#doc-filter").value);
  const unit = await getJSON(`${encodeURI(url)}?${params}`);
  if (mine !== latest.unit) return;
  const other = state.lang === "zh" ? unit.name_en : unit.name_zh;
  $("#unit-panel").replaceChildren(el("h2", { id: "unit-name" }, unit.name), other ? el("p", {}, other) : "",
    ...unit.tasks.map(taskItem), moreTasks(unit.next, mine));
}
function taskItem(task) {
  return el("div", { class: "provision" },
    el("div", { class: "meta" },
      el("span", { class: task.role === "LeadRole" ? "role-lead" : "role-responsible" }, t(task.role === "LeadRole" ? "lead" : "responsible")),
      task.basis === "Implied" ? ` ${t("implied")}` : "", ` · ${task.document_title || task.document} · ${task.path}`),
    highlighted(task));
}
function moreTasks(next, mine) {
  // A unit with more tasks than one page: the next page is appended when asked for.
  if (!next) return "";
  const button = el("button", { id: "unit-more", onclick: async () => {
    button.disabled = true;
    try {
      const page = await getJSON(next);
      if (mine === latest.unit) button.replaceWith(...page.tasks.map(taskItem), moreTasks(page.next, mine));
    } catch (err) {
      button.disabled = false;                  // a failed page can be asked for again
      console.error(err);
    }
  } }, t("more_tasks"));
  return button;
}
function highlighted(task) {
  // The unit's mention inside the provision, marked at the offsets the graph recorded.
  if (task.text == null) return el("p", {}, t("no_text"));
  const s = task.mention_start, e = task.mention_end;
  if (s == null || e == null || s < task.start || e > task.end) return el("p", {}, task.text);
  return el("p", {}, task.text.slice(0, s - task.start), el("mark", {}, task.text.slice(s - task.start, e - task.start)), task.text.slice(e - task.start));
}

// ---- search -------------------------------------------------------------------------------
// Provisions found by /api/search, each shown like the unit panel's provisions: meta line,
// source text with what matched highlighted, topics, and (in English) the provision's rendering.
async function runSearch(q) {
  state.query = q;
  const params = new URLSearchParams({ q, lang: state.lang, limit: 50 });
  if ($("#search-city").value) params.set("city", $("#search-city").value);
  const found = await getJSON(`/api/search?${params}`, () => ($("#search-info").textContent = t("indexing")));
  state.search = found;
  $("#search-info").textContent = t("found")(found.total);
  $("#search-units").replaceChildren(...found.units.map((u) =>
    el("button", { class: "unit-chip", "data-unit": u.url, onclick: () => { showTab("network"); openUnit(u.url); } }, `${u.name} · ${u.city}`)));
  $("#search-results").replaceChildren(...found.items.map((item) => el("div", { class: "provision search-hit", "data-provision": item.provision },
    el("div", { class: "meta" }, `${item.document_title || item.document} · ${item.path}`,
      ` · ${t("matched")}: `, item.matched.map((m) => m.label || m.metric_en || m.metric || m.heading_gloss || (m.words || []).join(" ")).join(", ")),
    marked(item.text, item.start, item.highlights),
    item.topics.length ? el("div", { class: "topics" }, `${t("topics")}: `, ...item.topics.map((tp) => el("span", { class: "topic" }, tp.label))) : "",
    state.lang === "en" && item.english.summary ? el("div", { class: "english" },
      item.english.heading_gloss ? el("p", {}, el("b", {}, `${t("gloss")}: `), item.english.heading_gloss) : "",
      el("p", {}, el("b", {}, `${t("summary")}: `), item.english.summary)) : "")));
}
function marked(text, start, spans) {
  // The source text with each [start, end) span (document offsets) wrapped in <mark>.
  if (text == null) return el("p", {}, t("no_text"));
  const parts = [];
  let at = 0;
  for (const [s, e] of [...spans].sort((a, b) => a[0] - b[0])) {
    const from = s - start, to = e - start;
    if (from < at || to > text.length) continue;
    parts.push(text.slice(at, from), el("mark", {}, text.slice(from, to)));
    at = to;
  }
  parts.push(text.slice(at));
  return el("p", {}, ...parts);
}

// ---- start --------------------------------------------------------------------------------
document.querySelectorAll(".tab").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
document.querySelectorAll(".lang").forEach((b) => b.addEventListener("click", () => setLang(b.dataset.lang)));
$("#city-filter").addEventListener("change", loadNetwork);
$("#doc-filter").addEventListener("change", loadNetwork);
$("#search-form").addEventListener("submit", (evt) => { evt.preventDefault(); const q = $("#search-q").value.trim(); if (q) runSearch(q).catch(console.error); });
$("#search-city").addEventListener("change", () => { if (state.query) runSearch(state.query); });
startEditor();
setLang(state.lang);
