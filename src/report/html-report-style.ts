// The HTML report's stylesheet (inline in the page; no web fonts, no images).
export const HTML_REPORT_STYLE = `
:root { color-scheme: light; --fg: #1d2430; --muted: #667085; --line: #d0d5dd; --bg: #fff; --panel: #f8f9fb; }
* { box-sizing: border-box; }
body { margin: 0; padding: 0 24px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: baseline; gap: 16px; border-bottom: 1px solid var(--line); margin-bottom: 8px; }
h1 { font-size: 22px; margin: 16px 0 12px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
h3 { font-size: 14px; margin: 18px 0 6px; }
.muted { color: var(--muted); }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
th { background: var(--panel); font-weight: 600; }
td.num, th.num { text-align: right; }
table.lineage td:last-child { white-space: normal; }
.scroll { overflow-x: auto; max-width: 100%; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
.legend { display: flex; flex-wrap: wrap; gap: 6px; margin: 8px 0 12px; }
.legend-entry { display: inline-flex; align-items: center; gap: 2px; padding: 3px 10px; border: 1px solid var(--line); border-radius: 14px; background: var(--bg); color: var(--fg); font: inherit; cursor: pointer; }
.legend-entry.off { opacity: 0.4; text-decoration: line-through; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 12px; }
figure.chart { position: relative; margin: 0; padding: 8px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); }
figure.chart figcaption { font-weight: 600; margin-bottom: 4px; }
svg.plot { display: block; width: 100%; height: auto; }
svg.plot text { font-size: 11px; fill: var(--muted); }
svg.plot text.label { fill: var(--fg); }
svg.plot .grid { stroke: #eaecf0; stroke-width: 1; }
svg.plot .frame { fill: none; stroke: var(--line); }
svg.plot path.series { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
svg.plot .marker { fill: var(--bg); stroke-width: 2; pointer-events: none; }
svg.plot .dot { pointer-events: none; }
.tip { position: absolute; pointer-events: none; background: rgba(255,255,255,0.96); border: 1px solid var(--line); border-radius: 4px; padding: 4px 8px; box-shadow: 0 2px 6px rgba(0,0,0,0.12); font-size: 12px; white-space: pre; z-index: 2; }
.tip-name { font-weight: 600; }
.samples { display: flex; flex-wrap: wrap; gap: 16px; }
figure.sample { margin: 0; }
figure.sample img { display: block; width: 280px; height: auto; image-rendering: auto; border: 1px solid var(--line); }
figure.sample.image img { image-rendering: pixelated; }
.wins-chart { max-width: 640px; margin-bottom: 8px; }
.wins-chart .legend { margin: 6px 0 0; }
figure.sample figcaption { margin-top: 4px; max-width: 280px; overflow-wrap: anywhere; }
svg.tree text { font-size: 11px; fill: var(--fg); }
svg.tree text.gen { fill: var(--muted); }
svg.tree line.keep { stroke: #98a2b3; stroke-width: 1.5; }
svg.tree line.copy { stroke: #f28e2b; stroke-width: 2.5; }
svg.tree circle.node { fill: #4e79a7; }
svg.tree circle.node.replaced { fill: #e15759; }
svg.tree circle.node.now { fill: #98a2b3; }
`;
