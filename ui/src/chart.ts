// One live time-series chart (uPlot: small and fast, canvas-drawn) over the aggregator's short
// history; created once per chart and fed new data in place, so a live update redraws, not rebuilds.
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { bytes, cores, rate } from './format.ts';
import type { SeriesData as Series } from '../../aggregator/ui/ui-api.ts';

type Kind = 'cpu' | 'mem' | 'net' | 'io';

const SPEC: Record<Kind, { title: string; lines: Array<[keyof Series, string, string]>; fmt: (v: number) => string }> =
  {
    cpu: { title: 'CPU (cores)', lines: [['cpu', 'cpu', '#58a6ff']], fmt: (v) => cores(v) },
    mem: { title: 'Memory (working set)', lines: [['mem', 'memory', '#a371f7']], fmt: (v) => bytes(v) },
    net: {
      title: 'Network',
      lines: [
        ['netRx', 'rx', '#3fb950'],
        ['netTx', 'tx', '#d29922'],
      ],
      fmt: (v) => rate(v),
    },
    io: {
      title: 'Disk IO',
      lines: [
        ['ioRead', 'read', '#39c5cf'],
        ['ioWrite', 'write', '#f778ba'],
      ],
      fmt: (v) => rate(v),
    },
  };

function dataOf(kind: Kind, s: Series): uPlot.AlignedData {
  return [s.t.map((t) => t / 1000), ...SPEC[kind].lines.map(([k]) => s[k] as Array<number | null>)];
}

export function Chart(props: { kind: Kind; series: Series | null | undefined }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const spec = SPEC[props.kind];
  useEffect(() => {
    const el = box.current!;
    const u = new uPlot(
      {
        width: Math.max(280, el.clientWidth || 420),
        height: 160,
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
        axes: [
          { stroke: '#8b98a5', grid: { stroke: '#222a31' } },
          { stroke: '#8b98a5', grid: { stroke: '#222a31' }, size: 70, values: (_u, ticks) => ticks.map(spec.fmt) },
        ],
        series: [
          {},
          ...spec.lines.map(([, label, stroke]) => ({
            label,
            stroke,
            width: 1.5,
            value: (_u: uPlot, v: number | null) => (v === null ? '—' : spec.fmt(v)),
          })),
        ],
      },
      props.series ? dataOf(props.kind, props.series) : [[], ...spec.lines.map(() => [])],
      el,
    );
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(280, el.clientWidth), height: 160 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
    };
  }, [props.kind]);
  useEffect(() => {
    if (plot.current && props.series) plot.current.setData(dataOf(props.kind, props.series));
  }, [props.series]);
  return html`<figure class="chart" data-chart=${props.kind}>
    <figcaption>${spec.title}</figcaption>
    <div ref=${box}></div>
    ${props.series === null ? html`<p class="muted">No samples yet.</p>` : ''}
  </figure>`;
}

export function Charts(props: { series: Series | null | undefined }) {
  return html`<div class="charts">
    <${Chart} kind="cpu" series=${props.series} />
    <${Chart} kind="mem" series=${props.series} />
    <${Chart} kind="net" series=${props.series} />
    <${Chart} kind="io" series=${props.series} />
  </div>`;
}
