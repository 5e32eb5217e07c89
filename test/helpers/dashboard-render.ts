// A picture of a generated dashboard filled with live query results: a static HTML page (the
// panels on Grafana's 24-column grid, time series as inline SVG, stats as numbers, tables as
// tables) screenshotted by headless Chromium, so a person can see the numbers make sense.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Dashboard, Panel } from '@grafana/schema';
import { launchChromium } from './browser.ts';

export type SeriesData = { name: string; points: Array<[number, number]> };
export type PanelData =
  | { kind: 'timeseries'; series: SeriesData[] }
  | { kind: 'stat'; value: number | undefined }
  | { kind: 'table'; columns: string[]; rows: string[][] };

const COLORS = [
  '#73bf69',
  '#f2cc0c',
  '#8ab8ff',
  '#ff780a',
  '#f2495c',
  '#5794f2',
  '#b877d9',
  '#fade2a',
  '#37872d',
  '#c4162a',
];
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** Grafana's legendFormat: {{label}} from the series' labels; __auto or empty lists them all. */
export function legendName(format: string, labels: Record<string, string>): string {
  const { __name__: _name, ...rest } = labels;
  if (!format || format === '__auto')
    return (
      Object.entries(rest)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ') || 'value'
    );
  return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, k: string) => rest[k] ?? '');
}

export function formatValue(v: number | undefined, unit: string | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '—';
  const scaled = (x: number, base: number, units: string[]) => {
    let i = 0;
    let n = Math.abs(x);
    while (n >= base && i < units.length - 1) {
      n /= base;
      i++;
    }
    return `${(Math.sign(x) * n).toFixed(n < 10 && i > 0 ? 2 : n < 10 ? 3 : 1).replace(/\.?0+$/, '') || '0'} ${units[i]}`;
  };
  switch (unit) {
    case 'bytes':
      return scaled(v, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB']);
    case 'Bps':
      return scaled(v, 1024, ['B/s', 'KiB/s', 'MiB/s', 'GiB/s']);
    case 'percentunit':
      return `${(v * 100).toFixed(1)}%`;
    case 's':
      return Math.abs(v) < 1 && v !== 0 ? `${(v * 1000).toFixed(1)} ms` : `${v.toFixed(2)} s`;
    default:
      return Math.abs(v) >= 1000 ? scaled(v, 1000, ['', 'K', 'M', 'G']).trim() : String(Number(v.toPrecision(3)));
  }
}

function svgChart(series: SeriesData[], unit: string | undefined, width: number, height: number): string {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return '<div class="empty">no data</div>';
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]).filter(Number.isFinite);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const y0 = Math.min(0, ...ys);
  const y1 = Math.max(...ys) === y0 ? y0 + 1 : Math.max(...ys);
  const pad = { l: 70, r: 8, t: 6, b: 18 };
  const w = width - pad.l - pad.r;
  const h = height - pad.t - pad.b;
  const X = (x: number) => pad.l + ((x - x0) / Math.max(1, x1 - x0)) * w;
  const Y = (y: number) => pad.t + h - ((y - y0) / (y1 - y0)) * h;
  const grid = [0, 0.5, 1].map((f) => {
    const v = y0 + f * (y1 - y0);
    return `<line x1="${pad.l}" x2="${width - pad.r}" y1="${Y(v)}" y2="${Y(v)}" class="grid"/><text x="${pad.l - 4}" y="${Y(v) + 4}" class="tick" text-anchor="end">${esc(formatValue(v, unit))}</text>`;
  });
  const time = (t: number) => new Date(t * 1000).toISOString().slice(11, 19);
  const lines = series.map(
    (s, i) =>
      `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5" points="${s.points
        .filter((p) => Number.isFinite(p[1]))
        .map((p) => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`)
        .join(' ')}"/>`,
  );
  return `<svg width="${width}" height="${height}">${grid.join('')}${lines.join('')}<text x="${pad.l}" y="${height - 4}" class="tick">${time(x0)}</text><text x="${width - pad.r}" y="${height - 4}" class="tick" text-anchor="end">${time(x1)} UTC</text></svg>`;
}

function panelBody(p: Panel, data: PanelData | undefined, width: number, height: number): string {
  const unit = p.fieldConfig?.defaults?.unit;
  if (!data) return '<div class="empty">no data</div>';
  if (data.kind === 'stat') return `<div class="stat">${esc(formatValue(data.value, unit))}</div>`;
  if (data.kind === 'table') {
    return `<table><tr>${data.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>${data.rows
      .slice(0, 12)
      .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
      .join('')}</table>`;
  }
  const legend = data.series
    .slice(0, 8)
    .map(
      (s, i) =>
        `<span><i style="background:${COLORS[i % COLORS.length]}"></i>${esc(s.name)} <b>${esc(formatValue(s.points.at(-1)?.[1], unit))}</b></span>`,
    )
    .join('');
  return (
    svgChart(data.series, unit, width, height - 22 - 18 * Math.ceil(Math.min(8, data.series.length) / 3)) +
    `<div class="legend">${legend}</div>`
  );
}

export function renderDashboardHtml(d: Dashboard, data: ReadonlyMap<number, PanelData>, subtitle: string): string {
  const COL = 62;
  const ROW = 30;
  const cells = (d.panels ?? []).map((raw) => {
    const g = raw.gridPos ?? { x: 0, y: 0, w: 24, h: 8 };
    const style = `grid-column:${g.x + 1}/span ${g.w};grid-row:${g.y + 1}/span ${g.h}`;
    if (raw.type === 'row') return `<div class="row" style="${style}">${esc(raw.title ?? '')}</div>`;
    const p = raw as Panel;
    return `<div class="panel" style="${style}"><div class="title">${esc(p.title ?? '')}</div>${panelBody(p, data.get(p.id ?? -1), g.w * COL - 12, g.h * ROW - 30)}</div>`;
  });
  return `<!doctype html><html><head><meta charset="utf-8"><style>
body{margin:0;padding:12px;background:#111217;color:#ccccdc;font:12px/1.3 sans-serif}
h1{font-size:18px;margin:0 0 2px}.sub{color:#8e8e9e;margin-bottom:10px}
.grid{display:grid;grid-template-columns:repeat(24,${COL - 4}px);grid-auto-rows:${ROW - 4}px;gap:4px}
.panel{background:#181b1f;border:1px solid #2c3235;border-radius:3px;padding:4px 6px;overflow:hidden}
.row{font-weight:bold;font-size:14px;align-self:end;border-bottom:1px solid #2c3235}
.title{font-weight:600;margin-bottom:2px}.stat{font-size:34px;color:#73bf69;text-align:center;margin-top:8px}
.empty{color:#f2495c;text-align:center;margin-top:20px}
svg .grid{stroke:#2c3235}svg .tick{fill:#8e8e9e;font-size:10px}
.legend span{display:inline-block;margin-right:10px;white-space:nowrap}.legend i{display:inline-block;width:10px;height:3px;margin-right:4px;vertical-align:middle}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:2px 6px;border-bottom:1px solid #2c3235}
</style></head><body><h1>${esc(d.title ?? '')}</h1><div class="sub">${esc(subtitle)}</div><div class="grid">${cells.join('')}</div></body></html>`;
}

export async function screenshot(html: string, file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1520, height: 900 } });
    await page.setContent(html, { waitUntil: 'load' });
    await page.screenshot({ path: file, fullPage: true });
  } finally {
    await browser.close();
  }
}
