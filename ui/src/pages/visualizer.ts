// The Swarm visualizer: one column per node, one card per task, coloured by the task's state and
// its container's health, moving as the engine reports (a rolling update replaces cards in place).
import { html } from 'htm/preact';
import { cores, bytes, since, tag } from '../format.ts';
import type { ClusterView, TaskCard } from '../../../aggregator/ui/ui-api.ts';

/** The colour class of a card: health beats state while a task runs. */
function tone(t: TaskCard): string {
  if (t.state === 'failed' || t.state === 'rejected') return 'failed';
  if (t.state === 'running' && t.health === 'unhealthy') return 'unhealthy';
  if (t.state === 'running' && t.health === 'starting') return 'starting';
  if (t.state === 'running') return 'running';
  if (t.state === 'complete' || t.state === 'shutdown') return 'done';
  return 'pending';
}

export function VisualizerPage(props: { view: ClusterView }) {
  const v = props.view;
  const byNode = new Map<string, TaskCard[]>();
  for (const t of v.tasks) {
    const list = byNode.get(t.nodeId) ?? [];
    list.push(t);
    byNode.set(t.nodeId, list);
  }
  const columns = v.nodes.map((n) => ({ node: n, tasks: byNode.get(n.id) ?? [] }));
  const unassigned = byNode.get('') ?? [];
  return html`<main class="visualizer">
    <div class="legend">
      ${['running', 'starting', 'unhealthy', 'failed', 'pending'].map((s) => html`<span class=${`card-dot ${s}`}>${s}</span>`)}
    </div>
    <div class="columns">
      ${columns.map(
        ({ node, tasks }) =>
          html`<section class="column" key=${node.id || node.hostname} data-node=${node.hostname}>
            <h3>
              <a href=${`/node/${encodeURIComponent(node.id || node.hostname)}`}>${node.hostname}</a>
              <small
                >${node.role}${node.leader ? ' ★' : ''} ·
                ${node.status}${node.availability && node.availability !== 'active' ? ` · ${node.availability}` : ''}</small
              >
            </h3>
            ${tasks.map((t) => Card(t))}
          </section>`,
      )}
      ${
        unassigned.length
          ? html`<section class="column" data-node="">
              <h3>not scheduled</h3>
              ${unassigned.map((t) => Card(t))}
            </section>`
          : ''
      }
    </div>
  </main>`;
}

function Card(t: TaskCard) {
  const cls = tone(t);
  return html`<a
    class=${`card ${cls}`}
    key=${t.id}
    href=${t.containerId ? `/container/${encodeURIComponent(t.containerId)}` : `/service/${encodeURIComponent(t.serviceId)}`}
    data-service=${t.service}
    data-slot=${t.slot}
    data-state=${t.state}
    data-health=${t.health}
    data-tone=${cls}
    data-image=${t.image}
    title=${t.error || t.message}
  >
    <b>${t.service}${t.slot ? `.${t.slot}` : ''}</b>
    <span class="state">${t.state}${t.health && t.health !== 'none' ? ` · ${t.health}` : ''}</span>
    <span class="img">${t.image ? tag(t.image) : ''}</span>
    ${t.state === 'running' ? html`<span class="res">${cores(t.cpu)} cpu · ${bytes(t.mem)}</span>` : html`<span class="res">${since(t.timestamp)}${t.error ? ` · ${t.error}` : ''}</span>`}
  </a>`;
}
