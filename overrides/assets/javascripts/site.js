// Page enhancements. Loads KaTeX and Mermaid from the site's own vendored copies, only on
// pages that need them, and renders math and diagrams when they come near the viewport, so a
// page's first paint pays only for what is on screen. Runs after every page change (Material's
// instant navigation swaps the content without reloading scripts, so this runs on each
// document$ emission). Also gives the theme's search dialog an accessible name.
(function () {
  "use strict";
  // Resolve the relative paths now: after instant navigation, relative URLs would resolve
  // against whichever page is showing.
  var paths = JSON.parse(document.getElementById("lazy-assets").textContent);
  Object.keys(paths).forEach(function (k) { paths[k] = new URL(paths[k], document.baseURI).href; });
  var loaded = {};

  function load(url, kind) {
    if (!loaded[url]) {
      loaded[url] = new Promise(function (resolve, reject) {
        var el = document.createElement(kind === "css" ? "link" : "script");
        if (kind === "css") { el.rel = "stylesheet"; el.href = url; } else { el.src = url; }
        el.onload = resolve;
        el.onerror = function () { reject(new Error("could not load " + url)); };
        document.head.appendChild(el);
      });
    }
    return loaded[url];
  }

  // Calls render(elements) once for the elements that come within `margin` of the viewport,
  // in batches; observers of the previous page are dropped on navigation.
  var observers = [];
  function whenNear(elements, margin, render) {
    if (!elements.length) return;
    if (!("IntersectionObserver" in window)) { render(elements); return; }
    var observer = new IntersectionObserver(function (entries) {
      var near = entries.filter(function (e) { return e.isIntersecting; })
                        .map(function (e) { observer.unobserve(e.target); return e.target; });
      if (near.length) render(near);
    }, { rootMargin: margin + " 0px" });
    elements.forEach(function (el) { observer.observe(el); });
    observers.push(observer);
  }

  // Does work(item) for each item in tasks of about 10 ms, so that a page full of formulas
  // never keeps the browser from answering a tap. (Lighthouse times a page on a fast machine and
  // scales each task up four times for a phone: turns of 30 ms counted as long tasks.)
  function inTurns(items, work) {
    var i = 0;
    (function turn() {
      var start = performance.now();
      while (i < items.length && performance.now() - start < 10) work(items[i++]);
      if (i < items.length) setTimeout(turn, 0);
    })();
  }

  var MATH = ".arithmatex, .jp-RenderedMarkdown";

  // Formulas render when they come within 300px of the screen: enough to be ready before a
  // reader scrolls to them, and on a phone a page then typesets about one screen of math as it
  // loads (a margin of 1200px typeset three, and added half again to its blocking time).
  function renderMath() {
    var nodes = Array.prototype.filter.call(document.querySelectorAll(MATH), function (el) {
      return /\$|\\\(|\\\[/.test(el.textContent);
    });
    whenNear(nodes, "300px", typeset);
  }

  function typeset(nodes) {
    var base = paths.katex;
    load(base + "katex.min.css", "css").catch(function (err) { console.error(err); });
    load(base + "katex.min.js")
      .then(function () { return load(base + "contrib/auto-render.min.js"); })
      .then(function () {
        inTurns(nodes, function (el) {
          window.renderMathInElement(el, {
            delimiters: [
              { left: "$$", right: "$$", display: true },
              { left: "\\[", right: "\\]", display: true },
              { left: "$", right: "$", display: false },
              { left: "\\(", right: "\\)", display: false }
            ],
            throwOnError: false
          });
        });
      })
      .catch(function (err) { console.error(err); });
  }

  function scheme() {
    return document.body.getAttribute("data-md-color-scheme") === "slate" ? "dark" : "default";
  }

  function renderDiagrams() {
    var blocks = document.querySelectorAll("pre.mermaid-diagram, .jp-Mermaid > pre.mermaid");
    whenNear(Array.prototype.slice.call(blocks), "0px", draw);
  }

  // Mermaid numbers the SVG ids of each run from zero: two runs at once would give two diagrams
  // the same ids, and one diagram's styles would land on the other. Runs go one at a time.
  var drawing = Promise.resolve();
  function draw(blocks) {
    drawing = drawing
      .then(function () { return load(paths.mermaid); })
      .then(function () {
        var nodes = Array.prototype.map.call(blocks, function (pre) {
          var div = document.createElement("div");
          div.className = "mermaid-diagram";
          div.textContent = pre.textContent;
          pre.replaceWith(div);
          return div;
        });
        // The dark theme's edge labels (#ccc on #585858) fall just short of 4.5:1.
        var variables = scheme() === "dark" ? { edgeLabelBackground: "#333333" } : {};
        window.mermaid.initialize({ startOnLoad: false, theme: scheme(), securityLevel: "loose",
                                    themeVariables: variables });
        return window.mermaid.run({ nodes: nodes });
      })
      .then(function () { document.dispatchEvent(new CustomEvent("roadmap:diagrams-rendered")); })
      .catch(function (err) { console.error(err); });
  }

  var search = document.querySelector(".md-search[role=dialog]");
  if (search && !search.hasAttribute("aria-label")) search.setAttribute("aria-label", "Search");

  document$.subscribe(function () {
    observers.forEach(function (o) { o.disconnect(); });
    observers = [];
    renderMath();
    renderDiagrams();
  });
})();
