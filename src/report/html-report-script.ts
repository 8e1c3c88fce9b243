// The HTML report's only script: vanilla JS, no libraries, run by the browser from the page
// itself. It reads the runs from <script type="application/json" id="evogan-data"> and draws SVG
// line charts: the metric charts (one path per run; toy and image metrics for the kinds of runs
// present), a legend that toggles runs, and per run a mutation-wins chart (one path per mutation,
// its own legend toggling mutations); all with hover tooltips.
// Every name from the data is rendered with textContent or an SVG attribute, never as markup.

/** Series colours, by run index (Tableau 10); the page's tables use the same ones. */
export const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"] as const;

export const colourOf = (index: number): string => PALETTE[index % PALETTE.length];

const SCRIPT = String.raw`(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var PALETTE = __PALETTE__;
  var W = 520, H = 280, L = 56, R = 14, T = 12, B = 40;
  var data = JSON.parse(document.getElementById("evogan-data").textContent);
  var runs = data.runs;
  var hiddenRuns = new Set();

  function colour(i) { return PALETTE[i % PALETTE.length]; }
  function svgEl(tag, attrs, parent) {
    var e = document.createElementNS(NS, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (parent) parent.appendChild(e);
    return e;
  }
  function htmlEl(tag, cls, parent, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function fmt(v) {
    if (!Number.isFinite(v)) return String(v);
    if (v === 0) return "0";
    var a = Math.abs(v);
    if (a >= 1e5 || a < 1e-3) return v.toExponential(2);
    return String(Number(v.toPrecision(4)));
  }
  function percent(v) { return v === null || v === undefined ? NaN : v * 100; }
  function finite(points) {
    return points.filter(function (p) { return Array.isArray(p) && Number.isFinite(p[0]) && Number.isFinite(p[1]); });
  }
  function extent(values) {
    var min = Math.min.apply(null, values), max = Math.max.apply(null, values);
    if (min !== max) return { min: min, max: max };
    var pad = Math.abs(min) * 0.1 || 1;
    return { min: min - pad, max: max + pad };
  }
  function nice(r, n) {
    var raw = (r.max - r.min) / n, mag = Math.pow(10, Math.floor(Math.log10(raw))), e = raw / mag;
    var step = (e >= 7.5 ? 10 : e >= 3.5 ? 5 : e >= 1.5 ? 2 : 1) * mag;
    var lo = Math.floor(r.min / step) * step, hi = Math.ceil(r.max / step) * step, ticks = [];
    for (var k = 0; lo + k * step <= hi + step * 1e-9; k++) ticks.push(Number((lo + k * step).toPrecision(12)));
    return { min: lo, max: hi, ticks: ticks };
  }
  function own(o, k) { return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined; }

  // Metric charts: one series per run, for the metric kinds of the runs in the report.
  function evalsOf(run, kind) { return run.curves.evals.filter(function (e) { return e.kind === kind; }); }
  function byIt(kind, f) { return function (run) { return evalsOf(run, kind).map(function (e) { return [e.it, f(e)]; }); }; }
  function byTime(kind, f) { return function (run) { return evalsOf(run, kind).map(function (e) { return [e.elapsedMs / 1000, f(e)]; }); }; }
  function metricPair(kind, id, name, y, f) {
    return [
      { id: id + "-it", kind: kind, title: name + " vs iteration", x: "iteration", y: y, points: byIt(kind, f) },
      { id: id + "-time", kind: kind, title: name + " vs wall time", x: "wall time (s)", y: y, points: byTime(kind, f) }
    ];
  }
  var METRIC_CHARTS = [].concat(
    [{ id: "bestF", title: "best survivor F vs iteration", x: "iteration", y: "best F", points: function (r) { return r.curves.bestF; } },
     { id: "dLoss", title: "D loss vs iteration", x: "iteration", y: "D loss", points: function (r) { return r.curves.dLoss; } }],
    metricPair("toy", "modes", "modes covered", "modes", function (e) { return e.modes; }),
    metricPair("toy", "hq", "high-quality samples %", "HQ %", function (e) { return e.highQuality * 100; }),
    metricPair("toy", "rkl", "reverse KL", "reverse KL", function (e) { return e.reverseKL; }),
    metricPair("toy", "mmd", "MMD² to the mixture", "MMD²", function (e) { return e.mmd; }),
    metricPair("image", "fid", "FID", "FID", function (e) { return e.fid; }),
    metricPair("image", "is", "inception score", "IS", function (e) { return e.inceptionScore; }),
    metricPair("image", "tvd", "class TVD", "class TVD", function (e) { return e.classTvd; }),
    // A translation without a known answer has no error or labels kept (null): no points, not 0%.
    metricPair("translation", "terr", "translation error", "error", function (e) { return e.translationError; }),
    metricPair("translation", "labels", "labels kept %", "labels kept %", function (e) { return percent(e.labelPreservation); }),
    metricPair("translation", "vlabels", "validation labels kept %", "labels kept %", function (e) { return percent(e.valLabelPreservation); }),
    metricPair("translation", "cycle", "cycle error A", "cycle error", function (e) { return e.cycleErrorA; }),
    metricPair("translation", "fidb", "FID B", "FID", function (e) { return e.fidB; })
  );
  var hasImage = runs.some(function (r) { return r.metricKind === "image"; });
  var hasTranslation = runs.some(function (r) { return r.metricKind === "translation"; });
  var hasToy = (!hasImage && !hasTranslation) || runs.some(function (r) { return r.metricKind === "toy"; });
  function shown(spec) { return spec.kind === undefined || (spec.kind === "toy" ? hasToy : spec.kind === "image" ? hasImage : hasTranslation); }
  function runSeries(spec) {
    return function () {
      return runs.map(function (run, i) {
        return { name: run.name, colour: colour(i), attrs: { "data-run": i }, points: hiddenRuns.has(i) ? [] : finite(spec.points(run)) };
      });
    };
  }

  // A run's mutation-wins chart: one series per mutation, y the share (%) of each window's survivor slots.
  function winsSpec(run, i) {
    var hidden = new Set();
    var mutations = run.mutationWins.map(function (w) { return w.mutation; });
    var spec = {
      id: "wins-" + i, title: "mutation wins over time", x: "iteration", y: "share of survivor slots (%)", yRange: { min: 0, max: 100 },
      hidden: hidden, entries: mutations,
      tipText: function (p) { return "iterations " + p[2] + ": " + fmt(p[1]) + "%"; },
      series: function () {
        return mutations.map(function (m, k) {
          var points = hidden.has(k) ? [] : run.winsOverTime.map(function (w) {
            return [(w.fromIt + w.toIt) / 2, 100 * (own(w.shares, m) || 0), w.fromIt === w.toIt ? String(w.fromIt) : w.fromIt + "-" + w.toIt];
          });
          return { name: m, colour: colour(k), attrs: { "data-mutation": m }, points: finite(points) };
        });
      }
    };
    return spec;
  }

  function axes(svg, xs, ys, spec) {
    var g = svgEl("g", { class: "axes" }, svg);
    ys.ticks.forEach(function (v) {
      var y = ys.to(v);
      svgEl("line", { x1: L, x2: W - R, y1: y, y2: y, class: "grid" }, g);
      svgEl("text", { x: L - 6, y: y + 4, "text-anchor": "end" }, g).textContent = fmt(v);
    });
    xs.ticks.forEach(function (v) {
      var x = xs.to(v);
      svgEl("line", { x1: x, x2: x, y1: T, y2: H - B, class: "grid" }, g);
      svgEl("text", { x: x, y: H - B + 16, "text-anchor": "middle" }, g).textContent = fmt(v);
    });
    svgEl("rect", { x: L, y: T, width: W - L - R, height: H - T - B, class: "frame" }, g);
    svgEl("text", { x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle", class: "label" }, g).textContent = spec.x;
    svgEl("text", { x: 12, y: (T + H - B) / 2, "text-anchor": "middle", class: "label", transform: "rotate(-90 12 " + (T + H - B) / 2 + ")" }, g).textContent = spec.y;
  }

  function scale(r, a, b) {
    var s = function (v) { return a + ((v - r.min) / (r.max - r.min)) * (b - a); };
    return { to: s, ticks: r.ticks };
  }

  function draw(spec) {
    var old = spec.box.querySelector("svg");
    if (old) old.remove();
    spec.tip.hidden = true;
    var svg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, class: "plot", role: "img" });
    svg.setAttribute("aria-label", spec.title);
    spec.box.insertBefore(svg, spec.tip);
    var series = spec.series();
    var all = [].concat.apply([], series.map(function (s) { return s.points; }));
    spec.drawn = [];
    if (all.length === 0) {
      svgEl("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "empty" }, svg).textContent = "(no data)";
      return;
    }
    var xs = scale(nice(extent(all.map(function (p) { return p[0]; })), 6), L, W - R);
    var ys = scale(nice(spec.yRange || extent(all.map(function (p) { return p[1]; })), 5), H - B, T);
    axes(svg, xs, ys, spec);
    series.forEach(function (s) {
      if (s.points.length === 0) return;
      var d = s.points.map(function (p, k) { return (k === 0 ? "M" : "L") + xs.to(p[0]).toFixed(1) + " " + ys.to(p[1]).toFixed(1); }).join(" ");
      var attrs = { d: d, class: "series", stroke: s.colour };
      Object.keys(s.attrs).forEach(function (k) { attrs[k] = s.attrs[k]; });
      var path = svgEl("path", attrs, svg);
      svgEl("title", {}, path).textContent = s.name;
      if (s.points.length <= 40) {
        s.points.forEach(function (p) {
          var dot = { cx: xs.to(p[0]), cy: ys.to(p[1]), r: 2.5, fill: s.colour, class: "dot" };
          Object.keys(s.attrs).forEach(function (k) { dot[k] = s.attrs[k]; });
          svgEl("circle", dot, svg);
        });
      }
      spec.drawn.push(s);
    });
    spec.marker = svgEl("circle", { r: 5, class: "marker", visibility: "hidden" }, svg);
    spec.xs = xs;
    spec.ys = ys;
    svg.addEventListener("mousemove", function (ev) { hover(spec, svg, ev); });
    svg.addEventListener("mouseleave", function () { spec.tip.hidden = true; spec.marker.setAttribute("visibility", "hidden"); });
  }

  function hover(spec, svg, ev) {
    var rect = svg.getBoundingClientRect();
    var mx = ((ev.clientX - rect.left) * W) / rect.width, my = ((ev.clientY - rect.top) * H) / rect.height;
    var best = null;
    spec.drawn.forEach(function (s) {
      s.points.forEach(function (p) {
        var dx = spec.xs.to(p[0]) - mx, dy = spec.ys.to(p[1]) - my, d = dx * dx + dy * dy;
        if (best === null || d < best.d) best = { d: d, s: s, p: p };
      });
    });
    if (best === null || best.d > 40 * 40) {
      spec.tip.hidden = true;
      spec.marker.setAttribute("visibility", "hidden");
      return;
    }
    var cx = spec.xs.to(best.p[0]), cy = spec.ys.to(best.p[1]);
    spec.marker.setAttribute("cx", cx);
    spec.marker.setAttribute("cy", cy);
    spec.marker.setAttribute("stroke", best.s.colour);
    spec.marker.setAttribute("visibility", "visible");
    spec.tipName.textContent = best.s.name;
    spec.tipName.style.color = best.s.colour;
    spec.tipValue.textContent = spec.tipText ? spec.tipText(best.p) : spec.x + " " + fmt(best.p[0]) + ": " + spec.y + " " + fmt(best.p[1]);
    var box = spec.box.getBoundingClientRect();
    spec.tip.style.left = (rect.left - box.left + (cx * rect.width) / W + 10) + "px";
    spec.tip.style.top = (rect.top - box.top + (cy * rect.height) / H + 10) + "px";
    spec.tip.hidden = false;
  }

  /** Toggle buttons, one per entry; a click flips the entry in hidden and redraws. */
  function legend(root, names, hidden, attr, redraw) {
    names.forEach(function (name, i) {
      var b = htmlEl("button", "legend-entry", root);
      b.type = "button";
      b.setAttribute(attr, String(i));
      b.setAttribute("aria-pressed", "true");
      b.title = "show or hide this curve";
      htmlEl("span", "swatch", b).style.background = colour(i);
      htmlEl("span", "name", b, name);
      b.addEventListener("click", function () {
        if (hidden.has(i)) hidden.delete(i); else hidden.add(i);
        b.classList.toggle("off", hidden.has(i));
        b.setAttribute("aria-pressed", String(!hidden.has(i)));
        redraw();
      });
    });
  }

  function chartBox(spec, root) {
    spec.box = htmlEl("figure", "chart", root);
    spec.box.setAttribute("data-chart", spec.id);
    htmlEl("figcaption", "", spec.box, spec.title);
    spec.tip = htmlEl("div", "tip", spec.box);
    spec.tip.hidden = true;
    spec.tipName = htmlEl("div", "tip-name", spec.tip);
    spec.tipValue = htmlEl("div", "tip-value", spec.tip);
    draw(spec);
  }

  function setup() {
    var root = document.getElementById("charts");
    var charts = METRIC_CHARTS.filter(shown);
    charts.forEach(function (spec) {
      spec.series = runSeries(spec);
      chartBox(spec, root);
    });
    legend(document.getElementById("legend"), runs.map(function (r) { return r.name; }), hiddenRuns, "data-run", function () { charts.forEach(draw); });
    Array.prototype.forEach.call(document.querySelectorAll("[data-wins-run]"), function (slot) {
      var i = Number(slot.getAttribute("data-wins-run")), run = runs[i];
      if (!run) return;
      var spec = winsSpec(run, i);
      chartBox(spec, slot);
      legend(htmlEl("div", "legend", slot), spec.entries, spec.hidden, "data-mutation-index", function () { draw(spec); });
    });
  }

  setup();
})();`;

/** The script's text, with the palette filled in; it contains no `</script`. */
export const HTML_REPORT_SCRIPT: string = SCRIPT.replace("__PALETTE__", JSON.stringify(PALETTE));
