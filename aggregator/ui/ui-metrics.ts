// The UI's own bounds as Prometheus series, read at scrape time: history series kept and refused,
// live-tail lines skipped at a slow page's bound, tail subscribers open.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { UiData } from './ui-data.ts';

export function registerUiMetrics(registry: Registry, ui: UiData): void {
  new Gauge({
    name: 'swarmscope_ui_history_series',
    help: 'Containers and nodes whose recent stats the UI keeps in memory (bounded by SWARMSCOPE_UI_HISTORY_SERIES).',
    registers: [registry],
    collect() {
      this.set(ui.history.size);
    },
  });
  new Counter({
    name: 'swarmscope_ui_history_refused_series_total',
    help: 'Containers or nodes not given a UI history because SWARMSCOPE_UI_HISTORY_SERIES series were already kept.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(ui.history.refusedSeries);
    },
  });
  new Counter({
    name: 'swarmscope_ui_tail_skipped_lines_total',
    help: 'Log lines a live tail skipped because its page had 2,000 lines undelivered (the page is told how many).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(ui.tail.skipped);
    },
  });
  new Gauge({
    name: 'swarmscope_ui_tail_subscribers',
    help: 'Live log tails open on this replica.',
    registers: [registry],
    collect() {
      this.set(ui.tail.subscribers);
    },
  });
}
