// The replica's own view of scaling out: peers answering, nodes held and exposed, and what the
// last /metrics render cost (seconds and bytes), as prom-client series of the aggregator itself.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Ownership } from '../../ownership.ts';
import type { Exposition } from './exposition.ts';

export function registerReplicaMetrics(
  registry: Registry,
  exposition: Exposition,
  ownership: Ownership | undefined,
): (seconds: number, bytes: number) => void {
  new Gauge({
    name: 'swarmscope_aggregator_peers_up',
    help: 'Other aggregator replicas that answered the last ownership probe.',
    registers: [registry],
    collect() {
      this.set(ownership?.peersUp() ?? 0);
    },
  });
  new Counter({
    name: 'swarmscope_aggregator_peer_probe_failures_total',
    help: 'Ownership probes of a peer replica that failed (a peer down or unreachable holds nothing).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(ownership?.probeFailures ?? 0);
    },
  });
  new Gauge({
    name: 'swarmscope_aggregator_nodes',
    help: 'Nodes this replica holds records of (held) and exposes series of (exposed).',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.set({ state: 'held' }, exposition.heldKeys().size);
      this.set({ state: 'exposed' }, exposition.exposedNodes().length);
    },
  });
  const seconds = new Gauge({
    name: 'swarmscope_metrics_render_seconds',
    help: 'How long the last /metrics response took to render and send (uncompressed text).',
    registers: [registry],
  });
  const bytes = new Gauge({
    name: 'swarmscope_metrics_render_bytes',
    help: 'Uncompressed bytes of the last /metrics response.',
    registers: [registry],
  });
  return (s, b) => {
    seconds.set(s);
    bytes.set(b);
  };
}
