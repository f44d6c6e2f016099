/* Level0 "Problem melden" page: classify the description while the customer types, show what it
 * means under the support policy and which articles help, then offer the ticket step.
 * Plain DOM, no framework. Everything from the server is inserted as text (textContent); snippets
 * are rebuilt from text nodes and <mark> elements only. */
(function () {
  "use strict";

  var TEXTS = {
    de: {
      working: "Wir ordnen Ihre Beschreibung ein …",
      updated: "Einordnung aktualisiert: ",
      tooShort: "Bitte beschreiben Sie das Problem in ein paar Worten.",
      unreachable: "Die automatische Einordnung ist gerade nicht erreichbar. Sie können trotzdem direkt ein Ticket eröffnen.",
      failed: "Die Einordnung hat nicht geklappt: ",
      sure: function (p) { return "(zu " + p + " % sicher)"; },
      unsure: "(nicht sicher – ein Mitarbeiter schaut es sich an)",
      covered: { covered: "Kostenfrei – abgedeckt durch Ihren Wartungs- bzw. SaaS-Vertrag.", billable: "Kostenpflichtig – wird nach Aufwand abgerechnet.", depends: "Kommt darauf an: " },
      evidence: "Darauf stützt sich die Einordnung: ",
      noArticles: "Keine passenden Artikel gefunden.",
      subject: "Problem",
      categoryLine: "Einordnung von Level0: ",
      ticketUnknown: "nicht eingeordnet",
      thanks: "Danke für Ihre Rückmeldung."
    },
    en: {
      working: "Classifying your description …",
      updated: "Assessment updated: ",
      tooShort: "Please describe the problem in a few words.",
      unreachable: "The automatic assessment is not reachable right now. You can still open a ticket directly.",
      failed: "The assessment did not work: ",
      sure: function (p) { return "(" + p + " % sure)"; },
      unsure: "(not sure – a support agent will look at it)",
      covered: { covered: "Free of charge – covered by your maintenance or SaaS contract.", billable: "Billable – charged by time spent.", depends: "It depends: " },
      evidence: "What the assessment is based on: ",
      noArticles: "No matching articles found.",
      subject: "Problem",
      categoryLine: "Assessment by Level0: ",
      ticketUnknown: "not classified",
      thanks: "Thank you for your feedback."
    }
  };
  var PAUSE_MS = 900;
  var MIN_CHARS = 12;
  var TOKEN_KEY = "level0-customer-token";
  var TOKEN_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}\.[0-9a-f]{64}$/;

  /* The customer's signed token from the portal's link (?customer_token=… or #customer_token=… or
   * #TOKEN): kept for this tab only and taken out of the address bar, so it is not copied along. */
  function customerToken() {
    var params = new URLSearchParams(location.search);
    var hash = location.hash.replace(/^#/, "");
    var fromHash = new URLSearchParams(hash).get("customer_token") || (TOKEN_RE.test(hash) ? hash : null);
    var token = params.get("customer_token") || fromHash;
    if (token && !TOKEN_RE.test(token)) { token = null; }
    try {
      if (token) { sessionStorage.setItem(TOKEN_KEY, token); } else { token = sessionStorage.getItem(TOKEN_KEY); }
    } catch (error) { /* storage blocked: the token still works on this page */ }
    if (params.has("customer_token") || fromHash) {
      params.delete("customer_token");
      var query = params.toString();
      history.replaceState(history.state, "", location.pathname + (query ? "?" + query : "") + (fromHash ? "" : location.hash));
    }
    return token;
  }

  function meta(name, fallback) {
    var element = document.querySelector('meta[name="' + name + '"]');
    return element && element.content ? element.content : fallback;
  }

  function field(root, name) {
    return root.querySelector('[data-field="' + name + '"]');
  }

  function setText(root, name, text) {
    var element = field(root, name);
    if (element) { element.textContent = text || ""; }
  }

  /* Rebuild a server snippet (HTML-escaped text with <mark>) from text nodes and <mark> only. */
  function appendSnippet(parent, snippet) {
    var decoder = document.createElement("textarea");
    var marked = false;
    snippet.split(/(<\/?mark>)/).forEach(function (part) {
      if (part === "<mark>") { marked = true; return; }
      if (part === "</mark>") { marked = false; return; }
      decoder.innerHTML = part;  /* a textarea's content is text: this only decodes entities */
      var text = document.createTextNode(decoder.value);
      if (marked) {
        var mark = document.createElement("mark");
        mark.appendChild(text);
        parent.appendChild(mark);
      } else {
        parent.appendChild(text);
      }
    });
  }

  function siteUrl(url) {
    /* Hit URLs are site-relative ("faq/x/#a"); resolve them against the site root. */
    var base = (typeof __md_scope !== "undefined") ? __md_scope : new URL("/", location.href);
    return new URL(url, base).href;
  }

  function ticketHref(target, subject, description, answer, texts) {
    var category = answer ? answer.policy.label + " (" + answer.category + ")" : texts.ticketUnknown;
    var body = description + "\n\n--\n" + texts.categoryLine + category;
    subject = subject || texts.subject;
    if (/^mailto:/i.test(target)) {
      return target + (target.indexOf("?") === -1 ? "?" : "&") +
        "subject=" + encodeURIComponent(subject) + "&body=" + encodeURIComponent(body);
    }
    var url = new URL(target, location.href);
    url.searchParams.set("subject", subject);
    url.searchParams.set("description", description);
    url.searchParams.set("category", answer ? answer.category : "");
    return url.href;
  }

  /* Events for the vendor's insights (feedback.js sends them; never in the customer's way). */
  function sendEvent(event) {
    if (window.level0Events) { window.level0Events.send(event); }
  }

  function sessionHeaders() {
    return window.level0Events ? { "X-Level0-Session": window.level0Events.sessionId() } : {};
  }

  function init() {
    var form = document.getElementById("level0-problem");
    if (!form || form.dataset.level0Ready) { return; }
    form.dataset.level0Ready = "1";
    var lang = form.dataset.lang === "en" ? "en" : "de";
    var texts = TEXTS[lang];
    var api = meta("level0-api", "/api").replace(/\/$/, "");
    var ticketTarget = meta("level0-ticket-url", "mailto:support@example.invalid");
    var subjectInput = document.getElementById("level0-subject");
    var descriptionInput = document.getElementById("level0-description");
    var status = document.getElementById("level0-status");
    var result = document.getElementById("level0-result");
    var ticket = document.getElementById("level0-ticket");
    var ticketLink = document.getElementById("level0-ticket-link");
    var timer = null;
    var sequence = 0;
    var lastAnswer = null;
    var helpful = document.getElementById("level0-answer-helpful");
    var token = customerToken();
    sendEvent({ type: "visit", language: lang });

    ticketLink.addEventListener("click", function () {
      sendEvent({ type: "ticket", answer_id: lastAnswer ? lastAnswer.answer_id : null, language: lang });
    });
    helpful.querySelectorAll("button[data-helpful]").forEach(function (button) {
      button.addEventListener("click", function () {
        if (!lastAnswer) { return; }
        sendEvent({ type: "helpful", target: "answer", answer_id: lastAnswer.answer_id,
                    helpful: button.dataset.helpful === "true", language: lang });
        helpful.querySelector("[data-field=thanks]").textContent = texts.thanks;
      });
    });

    function updateTicket() {
      ticketLink.href = ticketHref(ticketTarget, subjectInput.value.trim(), descriptionInput.value.trim(), lastAnswer, texts);
    }

    function showTicket() {
      updateTicket();
      ticket.hidden = false;
    }

    function render(answer) {
      var policy = answer.policy;
      setText(result, "label", policy.label);
      setText(result, "confidence", answer.needs_human ? texts.unsure : texts.sure(Math.min(99, Math.floor(answer.confidence * 100))));
      var coverage = texts.covered[policy.covered] || "";
      setText(result, "coverage", policy.covered === "depends" ? coverage + (policy.depends_on || "") : coverage);
      field(result, "coverage").dataset.covered = policy.covered;
      var contract = field(result, "contract");
      if (contract) {
        contract.textContent = answer.contract ? answer.contract.sentence : "";
        contract.hidden = !answer.contract;
      }
      setText(result, "explanation", answer.needs_human && policy.unsure ? policy.unsure + " " + policy.explanation : policy.explanation);
      setText(result, "next_step", policy.next_step);
      setText(result, "support_level", policy.support_level);
      setText(result, "evidence", answer.evidence.length ? texts.evidence + answer.evidence.join(" · ") : "");
      var list = field(result, "articles");
      list.textContent = "";
      answer.articles.forEach(function (hit) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = siteUrl(hit.url);
        link.textContent = hit.section ? hit.title + " › " + hit.section : hit.title;
        link.addEventListener("click", function () {
          sendEvent({ type: "click", article: hit.path, answer_id: answer.answer_id, language: lang });
        });
        item.appendChild(link);
        var snippet = document.createElement("p");
        snippet.className = "level0-snippet";
        appendSnippet(snippet, hit.snippet);
        item.appendChild(snippet);
        list.appendChild(item);
      });
      if (!answer.articles.length) {
        var none = document.createElement("li");
        none.textContent = texts.noArticles;
        list.appendChild(none);
      }
      var checklist = field(result, "checklist");
      checklist.textContent = "";
      policy.checklist.forEach(function (entry) {
        var item = document.createElement("li");
        item.textContent = entry;
        checklist.appendChild(item);
      });
      if (policy.ticket) { setText(ticket, "ticket-text", policy.ticket); }
      helpful.querySelector("[data-field=thanks]").textContent = "";
      result.hidden = false;
    }

    function classify(focusResult) {
      var description = descriptionInput.value.trim();
      if (description.length < MIN_CHARS) {
        if (focusResult) { status.textContent = texts.tooShort; descriptionInput.focus(); }
        return;
      }
      var mine = ++sequence;
      status.textContent = texts.working;
      form.setAttribute("aria-busy", "true");
      var request = { description: description, subject: subjectInput.value.trim(), language: lang };
      if (token) { request.customer_token = token; }
      fetch(api + "/triage", {
        method: "POST",
        headers: Object.assign({ "Content-Type": "application/json", "Accept": "application/json" }, sessionHeaders()),
        body: JSON.stringify(request)
      }).then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; },
          function () { return { ok: false, data: null }; });
      }).then(function (reply) {
        if (mine !== sequence) { return; }  /* a newer request is on its way */
        form.removeAttribute("aria-busy");
        if (!reply.ok) {
          lastAnswer = null;
          var message = reply.data && reply.data.error ? reply.data.error.message : "";
          status.textContent = message ? texts.failed + message : texts.unreachable;
          showTicket();
          return;
        }
        lastAnswer = reply.data;
        render(reply.data);
        status.textContent = texts.updated + reply.data.policy.label;
        showTicket();
        if (focusResult) { document.getElementById("level0-result-title").focus(); }
      }).catch(function () {
        if (mine !== sequence) { return; }
        form.removeAttribute("aria-busy");
        lastAnswer = null;
        status.textContent = texts.unreachable;
        showTicket();
      });
    }

    function scheduled() {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { classify(false); }, PAUSE_MS);
      if (!ticket.hidden) { updateTicket(); }
    }

    descriptionInput.addEventListener("input", scheduled);
    subjectInput.addEventListener("input", scheduled);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.clearTimeout(timer);
      classify(true);
    });
  }

  /* Material's instant navigation swaps pages without reloading; document$ tells us when. */
  if (typeof document$ !== "undefined" && document$.subscribe) {
    document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
