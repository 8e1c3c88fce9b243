// The HTML report's only script: vanilla JS, no libraries, run by the browser from the page
// itself. It reads the runs from <script type="application/json" id="evogan-data"> and draws SVG
// line charts (one path per run per chart), a legend that toggles runs, and hover tooltips.
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
  var hidden = new Set();

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
  function evalsOf(run) { return run.curves.evals; }
  function byIt(f) { return function (run) { return evalsOf(run).map(function (e) { return [e.it, f(e)]; }); }; }
  function byTime(f) { return function (run) { return evalsOf(run).map(function (e) { return [e.elapsedMs / 1000, f(e)]; }); }; }
  var modes = function (e) { return e.modes; };
  var hq = function (e) { return e.highQuality * 100; };
  var rkl = function (e) { return e.reverseKL; };
  var CHARTS = [
    { id: "bestF", title: "best survivor F vs iteration", x: "iteration", y: "best F", points: function (r) { return r.curves.bestF; } },
    { id: "dLoss", title: "D loss vs iteration", x: "iteration", y: "D loss", points: function (r) { return r.curves.dLoss; } },
    { id: "modes-it", title: "modes covered vs iteration", x: "iteration", y: "modes", points: byIt(modes) },
    { id: "modes-time", title: "modes covered vs wall time", x: "wall time (s)", y: "modes", points: byTime(modes) },
    { id: "hq-it", title: "high-quality samples % vs iteration", x: "iteration", y: "HQ %", points: byIt(hq) },
    { id: "hq-time", title: "high-quality samples % vs wall time", x: "wall time (s)", y: "HQ %", points: byTime(hq) },
    { id: "rkl-it", title: "reverse KL vs iteration", x: "iteration", y: "reverse KL", points: byIt(rkl) },
    { id: "rkl-time", title: "reverse KL vs wall time", x: "wall time (s)", y: "reverse KL", points: byTime(rkl) }
  ];

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
    var series = runs.map(function (run, i) { return { i: i, points: hidden.has(i) ? [] : finite(spec.points(run)) }; });
    var all = [].concat.apply([], series.map(function (s) { return s.points; }));
    spec.series = [];
    if (all.length === 0) {
      svgEl("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "empty" }, svg).textContent = "(no data)";
      return;
    }
    var xs = scale(nice(extent(all.map(function (p) { return p[0]; })), 6), L, W - R);
    var ys = scale(nice(extent(all.map(function (p) { return p[1]; })), 5), H - B, T);
    axes(svg, xs, ys, spec);
    series.forEach(function (s) {
      if (s.points.length === 0) return;
      var d = s.points.map(function (p, k) { return (k === 0 ? "M" : "L") + xs.to(p[0]).toFixed(1) + " " + ys.to(p[1]).toFixed(1); }).join(" ");
      var path = svgEl("path", { d: d, class: "series", "data-run": s.i, stroke: colour(s.i) }, svg);
      svgEl("title", {}, path).textContent = runs[s.i].name;
      if (s.points.length <= 40) {
        s.points.forEach(function (p) { svgEl("circle", { cx: xs.to(p[0]), cy: ys.to(p[1]), r: 2.5, fill: colour(s.i), class: "dot", "data-run": s.i }, svg); });
      }
      spec.series.push(s);
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
    spec.series.forEach(function (s) {
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
    spec.marker.setAttribute("stroke", colour(best.s.i));
    spec.marker.setAttribute("visibility", "visible");
    spec.tipName.textContent = runs[best.s.i].name;
    spec.tipName.style.color = colour(best.s.i);
    spec.tipValue.textContent = spec.x + " " + fmt(best.p[0]) + ": " + spec.y + " " + fmt(best.p[1]);
    var box = spec.box.getBoundingClientRect();
    spec.tip.style.left = (rect.left - box.left + (cx * rect.width) / W + 10) + "px";
    spec.tip.style.top = (rect.top - box.top + (cy * rect.height) / H + 10) + "px";
    spec.tip.hidden = false;
  }

  function legend() {
    var root = document.getElementById("legend");
    runs.forEach(function (run, i) {
      var b = htmlEl("button", "legend-entry", root);
      b.type = "button";
      b.setAttribute("data-run", String(i));
      b.setAttribute("aria-pressed", "true");
      b.title = "show or hide this run's curves";
      htmlEl("span", "swatch", b).style.background = colour(i);
      htmlEl("span", "name", b, run.name);
      b.addEventListener("click", function () {
        if (hidden.has(i)) hidden.delete(i); else hidden.add(i);
        b.classList.toggle("off", hidden.has(i));
        b.setAttribute("aria-pressed", String(!hidden.has(i)));
        CHARTS.forEach(draw);
      });
    });
  }

  function setup() {
    var root = document.getElementById("charts");
    CHARTS.forEach(function (spec) {
      spec.box = htmlEl("figure", "chart", root);
      spec.box.setAttribute("data-chart", spec.id);
      htmlEl("figcaption", "", spec.box, spec.title);
      spec.tip = htmlEl("div", "tip", spec.box);
      spec.tip.hidden = true;
      spec.tipName = htmlEl("div", "tip-name", spec.tip);
      spec.tipValue = htmlEl("div", "tip-value", spec.tip);
      draw(spec);
    });
    legend();
  }

  setup();
})();`;

/** The script's text, with the palette filled in; it contains no `</script`. */
export const HTML_REPORT_SCRIPT: string = SCRIPT.replace("__PALETTE__", JSON.stringify(PALETTE));
