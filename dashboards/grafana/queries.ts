// Every query a generated dashboard will send: panel targets and template-variable queries, and
// Grafana's variable interpolation, so tests can run exactly those queries against Prometheus.
import type { Dashboard, Panel, VariableModel } from '@grafana/schema';

export type PanelQuery = {
  panel: string;
  panelType: string;
  refId: string;
  expr: string;
  legendFormat: string;
  instant: boolean;
};
/** label_values(selector, label) or query_result(expr), as Grafana's Prometheus variable editor takes them. */
export type VariableQuery =
  | { name: string; kind: 'label_values'; selector: string; label: string }
  | { name: string; kind: 'query_result'; expr: string };

export function panelQueries(d: Dashboard): PanelQuery[] {
  const out: PanelQuery[] = [];
  for (const p of d.panels ?? []) {
    if (p.type === 'row') continue;
    const panel = p as Panel;
    for (const t of panel.targets ?? []) {
      out.push({
        panel: panel.title ?? '',
        panelType: panel.type,
        refId: String(t.refId),
        expr: String(t.expr),
        legendFormat: String(t.legendFormat ?? ''),
        instant: t.instant === true,
      });
    }
  }
  return out;
}

export function variableQueries(d: Dashboard): VariableQuery[] {
  return (d.templating?.list ?? [])
    .filter((v: VariableModel) => v.type === 'query')
    .map((v) => parseVariableQuery(v.name, String(typeof v.query === 'object' ? v.query.query : v.query)));
}

export function parseVariableQuery(name: string, query: string): VariableQuery {
  const q = query.trim();
  const lv = /^label_values\(\s*(.*?)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$/s.exec(q);
  if (lv) return { name, kind: 'label_values', selector: lv[1]!, label: lv[2]! };
  const qr = /^query_result\(\s*(.*)\s*\)$/s.exec(q);
  if (qr) return { name, kind: 'query_result', expr: qr[1]! };
  throw new Error(`variable ${name}: unsupported query ${query} (label_values(selector, label) or query_result(expr))`);
}

/** Built-in interval variables, at the values Grafana picks for a 1-hour range on a 1 s scrape. */
export const BUILTIN_VALUES: Readonly<Record<string, string>> = {
  __rate_interval: '1m',
  __interval: '15s',
  __range: '1h',
};

/** Grafana's $var, ${var}, ${var:format} and [[var]] forms; single values, as a selection of one. */
export function interpolate(expr: string, values: Readonly<Record<string, string>>): string {
  const all = { ...BUILTIN_VALUES, ...values };
  return expr.replace(
    /\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g,
    (m, a: string | undefined, b: string | undefined, c: string | undefined) => {
      const name = (a ?? b ?? c)!;
      const v = all[name];
      if (v === undefined) throw new Error(`no value for variable ${name} in ${expr}`);
      // A single selected value goes in as is (Grafana escapes only multi-value selections).
      return v;
    },
  );
}
