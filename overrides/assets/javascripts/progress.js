// Learner progress, kept in this browser only (no account, no server).
//
// Stored under one localStorage key as {"version": 1, "items": {...}, "topics": {...}}:
//   items:  "<topic id>/<item slug>" -> true         (a ticked checklist item)
//   topics: "<topic id>" -> "not-started" | "in-progress" | "done" | "skipped"  (set by hand)
// Keys come from the build (hooks/site.py), so reordering items never moves a tick.
// Whatever cannot be read is set aside under another key, with a notice; it never breaks a page.
(function () {
  "use strict";

  var KEY = "genai-roadmap:progress";
  var ASIDE = "genai-roadmap:progress:set-aside";
  var VERSION = 1;
  var MAX_IMPORT_BYTES = 1024 * 1024;
  var STATUSES = ["not-started", "in-progress", "done", "skipped"];
  var LABELS = { "not-started": "Not started", "in-progress": "In progress", done: "Done", skipped: "Skipped" };
  var ICONS = { "not-started": "○", "in-progress": "◐", done: "✔", skipped: "⤼" };

  var storageWorks = true;
  var notices = [];   // messages shown at the top of the page until it is left

  // --- Storage -------------------------------------------------------------------------------

  function emptyState() {
    return { version: VERSION, items: {}, topics: {} };
  }

  function readRaw() {
    try {
      return window.localStorage.getItem(KEY);
    } catch (err) {
      storageWorks = false;
      return null;
    }
  }

  function setAside(what) {
    try {
      var kept = JSON.parse(window.localStorage.getItem(ASIDE) || "[]");
      if (!Array.isArray(kept)) kept = [];
      kept.push({ at: new Date().toISOString(), value: what });
      window.localStorage.setItem(ASIDE, JSON.stringify(kept.slice(-20)));
    } catch (err) {
      // Nothing more can be done; the notice below still tells the learner.
    }
  }

  // Checks a parsed object. Returns {state, dropped} where dropped lists entries that were
  // not valid; throws an Error with a learner-facing message when the whole thing is unusable.
  function validate(data) {
    if (data === null || typeof data !== "object" || Array.isArray(data)) {
      throw new Error("it is not a progress object");
    }
    if (data.version !== VERSION) {
      throw new Error("it has version " + JSON.stringify(data.version) + ", and this site reads version " + VERSION);
    }
    var state = emptyState();
    var dropped = {};
    var items = data.items || {};
    var topics = data.topics || {};
    if (typeof items !== "object" || Array.isArray(items)) throw new Error("its \"items\" is not an object");
    if (typeof topics !== "object" || Array.isArray(topics)) throw new Error("its \"topics\" is not an object");
    Object.keys(items).forEach(function (k) {
      if (items[k] === true && /^[\w.-]+(\/[\w.-]+)+$/.test(k)) state.items[k] = true;
      else dropped["items." + k] = items[k];
    });
    Object.keys(topics).forEach(function (k) {
      if (STATUSES.indexOf(topics[k]) >= 0 && /^[\w.-]+$/.test(k)) state.topics[k] = topics[k];
      else dropped["topics." + k] = topics[k];
    });
    return { state: state, dropped: dropped };
  }

  function load() {
    var raw = readRaw();
    if (!storageWorks) {
      notices.push("This browser is not letting the site save progress (private browsing, or storage is " +
        "blocked or full). Ticks will last until you leave this page.");
      return emptyState();
    }
    if (raw === null) return emptyState();
    try {
      var checked = validate(JSON.parse(raw));
      if (Object.keys(checked.dropped).length) {
        setAside({ dropped: checked.dropped });
        notices.push("Some saved progress entries could not be read and were set aside; everything else was kept.");
        save(checked.state);
      }
      return checked.state;
    } catch (err) {
      setAside(raw);
      notices.push("Saved progress could not be read (" + (err.message || "not valid JSON") +
        "), so it was set aside and progress starts afresh. Nothing else is affected.");
      save(emptyState());
      return emptyState();
    }
  }

  function save(state) {
    if (!storageWorks) return;
    try {
      window.localStorage.setItem(KEY, JSON.stringify(state));
    } catch (err) {
      storageWorks = false;
      notices.push("Progress could not be saved (browser storage is blocked or full). " +
        "Ticks will last until you leave this page; export your progress to keep it.");
      showNotices();
    }
  }

  var state = load();

  // --- Derived status ------------------------------------------------------------------------

  function roadmap() {
    var el = document.getElementById("roadmap-data");
    if (!el) return null;
    try { return JSON.parse(el.getAttribute("data-roadmap")); } catch (err) { return null; }
  }

  function topicItemsOnPage(topicId) {
    return Array.prototype.map.call(
      document.querySelectorAll("input[data-progress^='" + topicId + "/']"),
      function (el) { return el.getAttribute("data-progress"); });
  }

  function statusOf(topicId, items) {
    if (state.topics[topicId]) return state.topics[topicId];
    var ticked = items.filter(function (k) { return state.items[k]; }).length;
    if (items.length && ticked === items.length) return "done";
    return ticked ? "in-progress" : "not-started";
  }

  // --- Rendering -----------------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }

  function showNotices() {
    var article = document.querySelector("article.md-content__inner");
    if (!article) return;
    var box = article.querySelector(".progress-notice");
    if (!notices.length) { if (box) box.remove(); return; }
    if (!box) {
      box = el("div", { class: "admonition warning progress-notice", role: "status" });
      article.insertBefore(box, article.firstChild);
    }
    box.innerHTML = "";
    box.appendChild(el("p", { class: "admonition-title", text: "About your saved progress" }));
    notices.forEach(function (n) { box.appendChild(el("p", { text: n })); });
  }

  function bindCheckboxes() {
    document.querySelectorAll("input[data-progress]").forEach(function (box) {
      var key = box.getAttribute("data-progress");
      box.checked = !!state.items[key];
      if (box.dataset.bound) return;
      box.dataset.bound = "1";
      box.addEventListener("change", function () {
        if (box.checked) state.items[key] = true;
        else delete state.items[key];
        save(state);
        render();
      });
    });
  }

  function renderTopicStatus() {
    document.querySelectorAll(".topic-status[data-topic]").forEach(function (box) {
      var id = box.getAttribute("data-topic");
      var items = topicItemsOnPage(id);
      var current = statusOf(id, items);
      var ticked = items.filter(function (k) { return state.items[k]; }).length;
      if (!box.dataset.bound) {
        box.dataset.bound = "1";
        var group = el("fieldset", { class: "topic-status__choices" },
          [el("legend", { text: "Your status for this topic" })]);
        STATUSES.forEach(function (s) {
          var input = el("input", { type: "radio", name: "status-" + id, value: s, id: "status-" + id + "-" + s });
          input.addEventListener("change", function () {
            // A choice that matches what the ticks say is no override: ticking stays in charge.
            delete state.topics[id];
            if (statusOf(id, topicItemsOnPage(id)) !== s) state.topics[id] = s;
            save(state);
            render();
          });
          group.appendChild(el("label", { for: input.id, class: "topic-status__choice", "data-status": s },
            [input, el("span", { text: ICONS[s] + " " + LABELS[s] })]));
        });
        box.appendChild(group);
        box.appendChild(el("p", { class: "topic-status__count" }));
      }
      box.querySelectorAll("input[type=radio]").forEach(function (r) { r.checked = r.value === current; });
      box.setAttribute("data-status", current);
      box.querySelector(".topic-status__count").textContent =
        ticked + " of " + items.length + " checklist items ticked" +
        (state.topics[id] ? " · status set by you" : "");
    });
  }

  function bar(done, total, label) {
    var pct = total ? Math.round((100 * done) / total) : 0;
    return el("div", { class: "progress-bar" }, [
      el("div", { class: "progress-bar__label" }, [
        el("span", { text: label }),
        el("span", { class: "progress-bar__count", text: done + " of " + total + (total === 1 ? " topic" : " topics") + " done" })
      ]),
      el("div", { class: "progress-bar__track", role: "progressbar", "aria-label": label,
                  "aria-valuemin": "0", "aria-valuemax": String(total), "aria-valuenow": String(done) },
        [el("div", { class: "progress-bar__fill", style: "width:" + pct + "%" })])
    ]);
  }

  function phaseBars(data, phases) {
    var box = el("div", { class: "progress-bars" });
    phases.forEach(function (p) {
      var topics = data.topics.filter(function (t) { return p === "all" || t.phase === p.phase; });
      if (!topics.length) return;
      var done = topics.filter(function (t) { return statusOf(t.id, t.items) === "done"; }).length;
      box.appendChild(bar(done, topics.length, p === "all" ? "All topics" : p.title));
    });
    return box;
  }

  function nextUp(data) {
    var status = {};
    data.topics.forEach(function (t) { status[t.id] = statusOf(t.id, t.items); });
    var ready = data.topics.filter(function (t) {
      var s = status[t.id];
      return s !== "done" && s !== "skipped" && t.prerequisites.every(function (p) {
        return status[p] === "done" || status[p] === "skipped";
      });
    });
    ready.sort(function (a, b) {
      return (status[b.id] === "in-progress") - (status[a.id] === "in-progress") || a.phase - b.phase;
    });
    var list = el("ul", { class: "next-up" });
    ready.slice(0, 3).forEach(function (t) {
      list.appendChild(el("li", {}, [
        el("a", { href: t.url, text: t.title }),
        el("span", { class: "next-up__meta", text: " · " + LABELS[status[t.id]] + " · about " + t.hours + " h" })
      ]));
    });
    if (!ready.length) list.appendChild(el("li", { text: "Everything is done or skipped: well done." }));
    return list;
  }

  function tools() {
    var message = el("p", { class: "progress-tools__message", role: "status", "aria-live": "polite" });
    var file = el("input", { type: "file", accept: "application/json,.json", id: "progress-import",
                             class: "progress-tools__file" });
    var exportButton = el("button", { type: "button", class: "md-button md-button--primary", text: "Export progress" });
    // A button, not a label for the hidden file input: a button answers Enter and Space by
    // itself, while on a focused label the theme's own Enter handler would ask for the file
    // dialog a second time, and the browser then shows none.
    var importButton = el("button", { type: "button", class: "md-button progress-tools__import",
                                      text: "Import progress…" });
    var resetButton = el("button", { type: "button", class: "md-button", text: "Reset progress…" });
    var confirmBox = el("div", { class: "progress-tools__confirm", hidden: "" }, [
      el("p", { text: "Erase all saved progress in this browser? Export it first if you may want it back." }),
      el("button", { type: "button", class: "md-button md-button--primary progress-tools__yes", text: "Yes, erase everything" }),
      el("button", { type: "button", class: "md-button progress-tools__no", text: "Cancel" })
    ]);
    importButton.addEventListener("click", function () { file.click(); });

    exportButton.addEventListener("click", function () {
      var payload = JSON.stringify({ format: "genai-roadmap-progress", version: VERSION,
        exported: new Date().toISOString(), items: state.items, topics: state.topics }, null, 2);
      var link = el("a", { href: URL.createObjectURL(new Blob([payload], { type: "application/json" })),
                           download: "genai-roadmap-progress.json" });
      document.body.appendChild(link);
      link.click();
      link.remove();
      message.textContent = "Exported " + Object.keys(state.items).length + " ticked items and " +
        Object.keys(state.topics).length + " topic statuses.";
    });

    file.addEventListener("change", function () {
      var chosen = file.files && file.files[0];
      file.value = "";
      if (!chosen) return;
      if (chosen.size > MAX_IMPORT_BYTES) {
        message.textContent = "Not imported: the file is " + (chosen.size / 1048576).toFixed(1) +
          " MB, and a progress file is a few KB. Your progress is unchanged.";
        return;
      }
      chosen.text().then(function (text) {
        var data;
        try { data = JSON.parse(text); } catch (err) {
          message.textContent = "Not imported: the file is not JSON. Your progress is unchanged.";
          return;
        }
        if (!data || data.format !== "genai-roadmap-progress") {
          message.textContent = "Not imported: this is not a progress file exported from this site. " +
            "Your progress is unchanged.";
          return;
        }
        var checked;
        try { checked = validate(data); } catch (err) {
          message.textContent = "Not imported: " + err.message + ". Your progress is unchanged.";
          return;
        }
        if (Object.keys(checked.dropped).length) {
          message.textContent = "Not imported: " + Object.keys(checked.dropped).length +
            " entries are not valid (for example " + Object.keys(checked.dropped)[0] + "). Your progress is unchanged.";
          return;
        }
        state = checked.state;
        save(state);
        render();
        message.textContent = "Imported " + Object.keys(state.items).length + " ticked items and " +
          Object.keys(state.topics).length + " topic statuses.";
      });
    });

    resetButton.addEventListener("click", function () {
      confirmBox.hidden = false;
      confirmBox.querySelector(".progress-tools__no").focus();
    });
    confirmBox.querySelector(".progress-tools__no").addEventListener("click", function () {
      confirmBox.hidden = true;
      resetButton.focus();
    });
    confirmBox.querySelector(".progress-tools__yes").addEventListener("click", function () {
      state = emptyState();
      save(state);
      confirmBox.hidden = true;
      render();
      message.textContent = "All progress was erased.";
    });

    return el("div", { class: "progress-tools" },
      [el("div", { class: "progress-tools__buttons" }, [exportButton, importButton, file, resetButton]),
       confirmBox, message]);
  }

  function renderWidgets() {
    var data = roadmap();
    if (!data) return;
    document.querySelectorAll(".progress-widget").forEach(function (box) {
      var kind = box.getAttribute("data-widget");
      if (kind === "tools") {
        if (!box.dataset.bound) { box.dataset.bound = "1"; box.appendChild(tools()); }
        return;
      }
      box.innerHTML = "";
      if (kind === "next") box.appendChild(nextUp(data));
      else if (kind === "all") box.appendChild(phaseBars(data, ["all"].concat(data.phases)));
      else box.appendChild(phaseBars(data, data.phases.filter(function (p) { return String(p.phase) === kind; })));
    });
  }

  function renderRoadmap() {
    var data = roadmap();
    if (!data) return;
    var byId = {};
    data.topics.forEach(function (t) { byId[t.id] = t; });
    document.querySelectorAll(".mermaid-diagram .node-status[data-topic]").forEach(function (slot) {
      var topic = byId[slot.getAttribute("data-topic")];
      if (!topic) return;
      var s = statusOf(topic.id, topic.items);
      slot.textContent = ICONS[s] + " ";
      slot.setAttribute("title", LABELS[s]);
      var node = slot.closest("g.node");
      if (node) {
        node.setAttribute("data-status", s);
        var link = node.closest("a");
        if (link) link.setAttribute("aria-label", topic.title + ": " + LABELS[s]);
      }
    });
  }

  function render() {
    bindCheckboxes();
    renderTopicStatus();
    renderWidgets();
    renderRoadmap();
    showNotices();
  }

  // Another tab changed progress: follow it.
  window.addEventListener("storage", function (e) {
    if (e.key === KEY) { state = load(); render(); }
  });
  // Diagrams render asynchronously (lazy.js): colour the roadmap once it exists.
  document.addEventListener("roadmap:diagrams-rendered", renderRoadmap);
  // Back/forward from the browser's cache restores an old DOM: re-apply the saved state.
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) { state = load(); render(); }
  });
  document$.subscribe(render);
})();
