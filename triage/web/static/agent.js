/* Level0 agents' search: instant results with filters, keyboard navigation and a copy button.
 * The agent token stays in sessionStorage and goes out only as an Authorization header. All
 * server text is inserted as text; snippets are rebuilt from text nodes and <mark> only. */
(function () {
  "use strict";

  var TOKEN_KEY = "level0-agent-token";
  var ADVICE = {
    update: "betroffen – behoben in ",
    workaround: "betroffen – noch offen, Workaround nutzen",
    fixed_in_your_version: "in dieser Version behoben",
    not_affected: "nicht betroffen"
  };
  var tokenForm = document.getElementById("token-form");
  var searchForm = document.getElementById("search-form");
  var query = document.getElementById("q");
  var status = document.getElementById("status");
  var results = document.getElementById("results");
  var template = document.getElementById("hit-template");
  var filters = {
    topic: document.getElementById("f-topic"),
    tag: document.getElementById("f-tag"),
    status: document.getElementById("f-status"),
    affects: document.getElementById("f-affects"),
    fixed_in: document.getElementById("f-fixed"),
    lang: document.getElementById("f-lang")
  };
  var timer = null;
  var sequence = 0;
  var selected = -1;

  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  function api(path) {
    return fetch(path, { headers: { "Authorization": "Bearer " + token(), "Accept": "application/json" } })
      .then(function (response) {
        return response.json().then(function (data) {
          if (response.status === 401) { askToken(data.error.message); throw new Error("unauthorized"); }
          if (!response.ok) { throw new Error(data.error ? data.error.message : response.statusText); }
          return data;
        });
      });
  }

  function askToken(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    searchForm.hidden = true;
    tokenForm.hidden = false;
    status.textContent = message || "Bitte melden Sie sich mit Ihrem Agent-Token an.";
    document.getElementById("token").focus();
  }

  function fillSelect(select, values) {
    values.forEach(function (value) {
      var option = document.createElement("option");
      option.value = value;
      option.textContent = value;
      select.appendChild(option);
    });
  }

  /* The insights page is a plain link: trade the token for an HttpOnly cookie scoped to /agent/. */
  function openSession() {
    return fetch("/api/agent/session", { method: "POST", headers: { "Authorization": "Bearer " + token() } })
      .then(function (response) { document.getElementById("agent-nav").hidden = !response.ok; });
  }

  function start() {
    api("/api/agent/filters").then(function (data) {
      openSession();
      tokenForm.hidden = true;
      searchForm.hidden = false;
      fillSelect(filters.topic, data.topics);
      fillSelect(filters.tag, data.tags);
      fillSelect(filters.fixed_in, data.fixed_in);
      status.textContent = "Angemeldet. Suchen Sie nach Fehlermeldung, Code oder Stichwort.";
      query.focus();
    }).catch(function (error) { if (error.message !== "unauthorized") { status.textContent = error.message; } });
  }

  function appendSnippet(parent, snippet) {
    var decoder = document.createElement("textarea");
    var marked = false;
    snippet.split(/(<\/?mark>)/).forEach(function (part) {
      if (part === "<mark>") { marked = true; return; }
      if (part === "</mark>") { marked = false; return; }
      decoder.innerHTML = part;  /* RCDATA: decodes entities, creates no elements */
      var text = document.createTextNode(decoder.value);
      if (marked) { var mark = document.createElement("mark"); mark.appendChild(text); parent.appendChild(mark); }
      else { parent.appendChild(text); }
    });
  }

  function siteUrl(url) { return new URL(url, location.origin + "/").href; }

  function facts(hit) {
    var f = hit.facts || {};
    var parts = [];
    if (f.issue_id) { parts.push(f.issue_id); }
    if (f.status) { parts.push(f.status === "open" ? "Status: offen" : "Status: behoben"); }
    if (f.affected_versions) { parts.push("betroffen: " + f.affected_versions); }
    if (f.fixed_in) { parts.push("behoben in " + f.fixed_in); }
    if (hit.known_issue) {
      var advice = ADVICE[hit.known_issue.advice] || hit.known_issue.advice;
      parts.push(advice + (hit.known_issue.advice === "update" ? hit.known_issue.fixed_in : ""));
    }
    if (hit.language) { parts.push(hit.language.toUpperCase()); }
    return parts.join(" · ");
  }

  function answerText(hit, element) {
    var title = hit.section ? hit.title + " – " + hit.section : hit.title;
    var text = element.querySelector(".snippet").textContent.replace(/^…\s*|\s*…$/g, "");
    var link = hit.audience === "internal" ? "(interner Artikel)" : siteUrl(hit.url);
    return title + "\n" + link + "\n\n" + text;
  }

  function render(data) {
    results.textContent = "";
    selected = -1;
    data.hits.forEach(function (hit) {
      var item = template.content.firstElementChild.cloneNode(true);
      var title = item.querySelector(".title");
      title.textContent = hit.section ? hit.title + " › " + hit.section : hit.title;
      title.href = siteUrl(hit.url);
      if (hit.audience === "internal") {
        item.querySelector(".internal").hidden = false;
        title.removeAttribute("href");
      }
      item.querySelector(".facts").textContent = facts(hit);
      appendSnippet(item.querySelector(".snippet"), hit.snippet);
      if (hit.workaround_url) {
        var workaround = item.querySelector(".workaround");
        workaround.hidden = false;
        workaround.href = siteUrl(hit.workaround_url);
      }
      item.querySelector(".copy").addEventListener("click", function () { copy(hit, item); });
      item.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && title.href) { window.open(title.href, "_blank", "noopener"); }
        if (event.key === "c") { copy(hit, item); }
      });
      results.appendChild(item);
    });
    status.textContent = data.hits.length ? data.hits.length + " Treffer" : "Keine Treffer.";
  }

  function copy(hit, element) {
    var text = answerText(hit, element);
    var done = function () { status.textContent = "Kopiert: " + (hit.section || hit.title); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { status.textContent = "Kopieren nicht erlaubt."; });
    } else {
      status.textContent = "Kopieren wird von diesem Browser nicht unterstützt.";
    }
  }

  function run() {
    var params = new URLSearchParams();
    if (query.value.trim()) { params.set("q", query.value.trim()); }
    Object.keys(filters).forEach(function (name) {
      var value = filters[name].value.trim();
      if (value) { params.set(name, value); }
    });
    if (!params.toString()) { results.textContent = ""; status.textContent = ""; return; }
    var mine = ++sequence;
    api("/api/agent/search?" + params.toString()).then(function (data) {
      if (mine === sequence) { render(data); }
    }).catch(function (error) {
      if (mine === sequence && error.message !== "unauthorized") { status.textContent = error.message; }
    });
  }

  function schedule() { window.clearTimeout(timer); timer = window.setTimeout(run, 200); }

  function move(step) {
    var items = results.querySelectorAll(".hit");
    if (!items.length) { return; }
    selected = Math.max(0, Math.min(items.length - 1, selected + step));
    items[selected].focus();
  }

  tokenForm.addEventListener("submit", function (event) {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, document.getElementById("token").value.trim());
    start();
  });
  searchForm.addEventListener("submit", function (event) { event.preventDefault(); run(); });
  query.addEventListener("input", schedule);
  Object.keys(filters).forEach(function (name) {
    filters[name].addEventListener(filters[name].tagName === "INPUT" ? "input" : "change", schedule);
  });
  document.addEventListener("keydown", function (event) {
    var typing = event.target.tagName === "INPUT" || event.target.tagName === "SELECT";
    if (event.key === "/" && !typing) { event.preventDefault(); query.focus(); }
    if (event.key === "ArrowDown" && !searchForm.hidden) { event.preventDefault(); move(1); }
    if (event.key === "ArrowUp" && !searchForm.hidden) { event.preventDefault(); move(-1); }
  });

  if (token()) { start(); } else { askToken(); }
})();
