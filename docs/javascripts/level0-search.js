/* Level0: the header search box answers from Level0's /api/search when the site is served by Level0.
 *
 * Material's own search (lunr, in its worker) keeps running; once Level0's API has answered a probe,
 * its hits are drawn into Material's own result list with Material's markup, so Material's keyboard
 * handling (arrows, Enter, Escape) and styles apply to them. Where the site is hosted as static
 * files the probe fails and nothing here changes the page: Material's search answers as before.
 * Hits are built with DOM calls; of the API's text only <mark> in snippets becomes markup.
 */
(function () {
  "use strict";

  var PAUSE_MS = 120;
  var LIMIT = 10;
  var PROBE_KEY = "level0-search-api";
  var LANGUAGES = { de: true, en: true };

  function meta(name) {
    var element = document.querySelector('meta[name="' + name + '"]');
    return element && element.content ? element.content : null;
  }

  /* Material's page configuration (base URL of the site, translations), from its #__config block. */
  function materialConfig() {
    var element = document.getElementById("__config");
    try {
      return element ? JSON.parse(element.textContent) : {};
    } catch (error) {
      return {};
    }
  }

  function apiUrl(path) {
    var base = (meta("level0-api") || "/api").replace(/\/?$/, "/");
    return new URL(path, new URL(base, location.href));
  }

  /* Ask Level0's /healthz once per browser tab: only a JSON answer with an index turns Level0 on. */
  function probe() {
    var known = null;
    try { known = sessionStorage.getItem(PROBE_KEY); } catch (error) { /* storage blocked */ }
    if (known === "1" || known === "0") { return Promise.resolve(known === "1"); }
    if (!/^https?:$/.test(location.protocol)) { return Promise.resolve(false); }
    return fetch(apiUrl("../healthz"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") !== 0) { return false; }
        return response.json().then(function (body) { return !!(body && body.index && body.index.ok); });
      })
      .catch(function () { return false; })
      .then(function (available) {
        try { sessionStorage.setItem(PROBE_KEY, available ? "1" : "0"); } catch (error) { /* no cache */ }
        return available;
      });
  }

  /* The snippet is escaped HTML with matches in <mark>: make text nodes and <mark> elements of it. */
  var ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&#x27;": "'", "&#39;": "'" };
  function snippetNodes(snippet) {
    var fragment = document.createDocumentFragment();
    var marked = false;
    String(snippet || "").split(/(<\/?mark>)/).forEach(function (part) {
      if (part === "<mark>") { marked = true; return; }
      if (part === "</mark>") { marked = false; return; }
      if (!part) { return; }
      var text = part.replace(/&(?:amp|lt|gt|quot|#x27|#39);/g, function (entity) { return ENTITIES[entity]; });
      if (marked) {
        var mark = document.createElement("mark");
        mark.textContent = text;
        fragment.appendChild(mark);
      } else {
        fragment.appendChild(document.createTextNode(text));
      }
    });
    return fragment;
  }

  function element(tag, className) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    return node;
  }

  function init() {
    var search = document.querySelector('[data-md-component="search"]');
    var input = search && search.querySelector('[data-md-component="search-query"]');
    var result = search && search.querySelector('[data-md-component="search-result"]');
    var list = result && result.querySelector(".md-search-result__list");
    var counter = result && result.querySelector(".md-search-result__meta");
    if (!input || !list || !counter || search.dataset.level0) { return; }
    search.dataset.level0 = "probing";

    var config = materialConfig();
    var texts = config.translations || {};
    var root = new URL(String(config.base || ".").replace(/\/?$/, "/"), location.href);
    var language = meta("level0-language") || document.documentElement.lang;
    var shown = { query: null, hits: [] };
    var sequence = 0;
    var timer = null;

    function hitHref(url) {
      var target = new URL(String(url), root);
      return target.origin === root.origin && /^https?:$/.test(target.protocol) ? target.href : null;
    }

    function item(hit, rank) {
      var href = hitHref(hit.url);
      if (!href) { return null; }
      var li = element("li", "md-search-result__item");
      li.setAttribute("data-level0", "");
      var link = element("a", "md-search-result__link");
      link.href = href;
      link.tabIndex = -1;
      var article = element("article", "md-search-result__article md-typeset");
      article.setAttribute("data-md-score", String(rank)); /* Material's Enter opens the highest */
      var title = element("h1");
      title.textContent = hit.title || "";
      article.appendChild(element("div", "md-search-result__icon md-icon"));
      article.appendChild(title);
      if (hit.section) {
        var section = element("h2");
        section.textContent = hit.section;
        article.appendChild(section);
      }
      var text = element("p");
      text.appendChild(snippetNodes(hit.snippet));
      article.appendChild(text);
      link.appendChild(article);
      li.appendChild(link);
      return li;
    }

    function countText(count) {
      if (count === 0) { return texts["search.result.none"] || "No matching documents"; }
      if (count === 1) { return texts["search.result.one"] || "1 matching document"; }
      return (texts["search.result.other"] || "# matching documents").replace("#", String(count));
    }

    /* Draw Level0's hits for the query in the box; while they are on their way, draw nothing. */
    function draw() {
      var query = input.value.trim();
      if (!query) { return; } /* Material's placeholder text for an empty box stays */
      var current = shown.query === query;
      var items = current ? shown.hits.map(function (hit, i) { return item(hit, shown.hits.length - i); }) : [];
      list.textContent = "";
      items.forEach(function (li) { if (li) { list.appendChild(li); } });
      if (current) { counter.textContent = countText(list.children.length); }
      result.setAttribute("aria-busy", current ? "false" : "true");
      observer.takeRecords(); /* our own changes are not Material's */
    }

    /* Material redraws the list when its own search answers: put Level0's hits back at once. */
    var observer = new MutationObserver(function () {
      if (search.dataset.level0 === "on") { draw(); }
    });

    function ask() {
      var query = input.value.trim();
      if (!query || query === shown.query) { draw(); return; }
      var mine = ++sequence;
      var url = apiUrl("search");
      url.searchParams.set("q", query.slice(0, 1000));
      url.searchParams.set("limit", String(LIMIT));
      if (LANGUAGES[language]) { url.searchParams.set("lang", language); }
      var headers = { Accept: "application/json" };
      if (window.level0Events) { headers["X-Level0-Session"] = window.level0Events.sessionId(); }
      draw();
      fetch(url, { headers: headers, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .catch(function () { return null; })
        .then(function (answer) {
          if (mine !== sequence) { return; }
          if (!answer || !Array.isArray(answer.hits)) {
            /* Level0 stopped answering: give the box back to Material's own search. */
            search.dataset.level0 = "off";
            observer.disconnect();
            result.removeAttribute("aria-busy");
            input.dispatchEvent(new KeyboardEvent("keyup"));
            return;
          }
          shown = { query: query, hits: answer.hits };
          draw();
        });
    }

    function schedule() {
      if (search.dataset.level0 !== "on") { return; }
      clearTimeout(timer);
      timer = setTimeout(ask, PAUSE_MS);
    }

    input.addEventListener("input", schedule);
    probe().then(function (available) {
      search.dataset.level0 = available ? "on" : "off";
      if (!available) { return; }
      observer.observe(result, { childList: true, subtree: true, characterData: true });
      if (input.value.trim()) { ask(); } /* a query typed before the probe answered, or ?q= */
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
