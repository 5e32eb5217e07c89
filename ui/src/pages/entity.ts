// The service, node and container pages: who it is, live charts from the aggregator's short
// history, its tasks (with exits and errors) or containers, recent events, and links to its logs.
import { html } from 'htm/preact';
import { Badge, Events } from '../components.ts';
import { Charts } from '../chart.ts';
import { bytes, cores, pct, rate, shortId, since, tag, ago } from '../format.ts';
import type { ClusterView, SeriesData as Series, TaskCard } from '../../../aggregator/ui/ui-api.ts';

type Props = { view: ClusterView; id: string; history: Series | null | undefined };

function TaskTable(props: { tasks: TaskCard[]; view: ClusterView; showService?: boolean }) {
  const host = new Map(props.view.nodes.map((n) => [n.id, n.hostname]));
  if (!props.tasks.length) return html`<p class="muted">No tasks.</p>`;
  return html`<table class="tasks">
    <thead>
      <tr>
        ${props.showService ? html`<th>service</th>` : ''}
        <th>slot</th>
        <th>node</th>
        <th>state</th>
        <th>health</th>
        <th>container</th>
        <th>image</th>
        <th>since</th>
        <th>exit</th>
        <th>error</th>
      </tr>
    </thead>
    <tbody>
      ${props.tasks.map(
        (t) =>
          html`<tr key=${t.id} data-task=${t.id} data-slot=${t.slot} data-state=${t.state}>
            ${props.showService ? html`<td><a href=${`/service/${encodeURIComponent(t.serviceId)}`}>${t.service}</a></td>` : ''}
            <td>${t.slot || '—'}</td>
            <td><a href=${`/node/${encodeURIComponent(t.nodeId)}`}>${host.get(t.nodeId) ?? shortId(t.nodeId)}</a></td>
            <td><${Badge} value=${t.state} /></td>
            <td>${t.health ? html`<${Badge} value=${t.health} />` : '—'}</td>
            <td>
              ${t.containerId ? html`<a href=${`/container/${encodeURIComponent(t.containerId)}`}>${shortId(t.containerId)}</a>` : '—'}
            </td>
            <td>${t.image ? tag(t.image) : '—'}</td>
            <td title=${t.timestamp}>${since(t.timestamp)}</td>
            <td>${t.exitCode ?? '—'}</td>
            <td class="error">${t.error}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function ServicePage(props: Props) {
  const v = props.view;
  const s = v.services.find((x) => x.id === props.id || x.name === props.id);
  if (!s)
    return html`<main>
      <h1>Service ${props.id}</h1>
      <p class="muted">Not in the Swarm's current state (removed, or no Swarm state yet).</p>
    </main>`;
  const tasks = v.tasks.filter((t) => t.serviceId === s.id);
  return html`<main class="entity service" data-service=${s.name}>
    <h1>Service ${s.name}</h1>
    <dl class="facts">
      <dt>mode</dt>
      <dd>${s.mode}</dd>
      <dt>replicas</dt>
      <dd class="replicas" data-running=${s.running} data-desired=${s.desired}>${s.running} / ${s.desired} running</dd>
      <dt>update</dt>
      <dd class="update" data-update=${s.update?.state ?? ''}>
        ${s.update ? html`<${Badge} value=${s.update.state} /> ${s.update.message ?? ''}` : 'none'}
      </dd>
      <dt>updated tasks</dt>
      <dd class="updated" data-updated=${s.updated}>${s.updated} of ${s.desired} run the current image</dd>
      <dt>image</dt>
      <dd>${s.image}</dd>
      ${
        s.stack
          ? html`<dt>stack</dt>
              <dd>${s.stack}</dd>`
          : ''
      }
      <dt>failures</dt>
      <dd>${s.recentFailures} in the last 5 min</dd>
    </dl>
    <p><a href=${`/logs?service=${encodeURIComponent(s.name)}&tail=1`}>Live logs of every task →</a></p>
    <h2>Resources (all tasks)</h2>
    <${Charts} series=${props.history} />
    <h2>Tasks</h2>
    <${TaskTable} tasks=${tasks} view=${v} />
    <h2>Recent events</h2>
    <${Events} events=${v.events.filter((e) => e.serviceId === s.id || e.service === s.name)} />
  </main>`;
}

export function NodePage(props: Props) {
  const v = props.view;
  const n = v.nodes.find((x) => x.id === props.id || x.hostname === props.id);
  if (!n)
    return html`<main>
      <h1>Node ${props.id}</h1>
      <p class="muted">Unknown node.</p>
    </main>`;
  const containers = v.containers.filter((c) => (n.id ? c.nodeId === n.id : c.hostname === n.hostname));
  return html`<main class="entity node" data-node=${n.hostname}>
    <h1>Node ${n.hostname}</h1>
    <dl class="facts">
      <dt>id</dt>
      <dd>${n.id || '—'}</dd>
      <dt>role</dt>
      <dd>${n.role || '—'}${n.leader ? ' (leader)' : ''}</dd>
      <dt>status</dt>
      <dd><${Badge} value=${n.status} /> <${Badge} value=${n.availability} /></dd>
      <dt>engine</dt>
      <dd>${n.engine || '—'}</dd>
      <dt>CPU</dt>
      <dd>${cores(n.cpuUsed)} of ${n.cpus} cores</dd>
      <dt>memory</dt>
      <dd>${bytes(n.memUsed)} of ${bytes(n.memTotal)} (${pct(n.memUsed, n.memTotal)})</dd>
      <dt>disk /</dt>
      <dd>${bytes(n.diskUsed)} of ${bytes(n.diskTotal)} (${pct(n.diskUsed, n.diskTotal)})</dd>
      <dt>collector</dt>
      <dd class=${`collector ${n.collector}`}>
        ${n.collector === 'none' ? 'no collector reports for this node' : `${n.collector}, last heard ${ago(n.collectorAgeMs)} (replica ${n.replica})`}
      </dd>
    </dl>
    <h2>Resources</h2>
    <${Charts} series=${props.history} />
    <h2>Tasks</h2>
    <${TaskTable} tasks=${v.tasks.filter((t) => t.nodeId === n.id)} view=${v} showService=${true} />
    <h2>Containers <span class="count">${containers.length}</span></h2>
    <table class="containers">
      <thead>
        <tr>
          <th>container</th>
          <th>service</th>
          <th>status</th>
          <th>health</th>
          <th>CPU</th>
          <th>memory</th>
          <th>net rx/tx</th>
          <th>restarts</th>
        </tr>
      </thead>
      <tbody>
        ${containers.map(
          (c) =>
            html`<tr key=${c.id}>
              <td><a href=${`/container/${encodeURIComponent(c.id)}`}>${c.name}</a></td>
              <td>
                ${c.serviceId ? html`<a href=${`/service/${encodeURIComponent(c.serviceId)}`}>${c.service}</a>` : '—'}
              </td>
              <td><${Badge} value=${c.status} /></td>
              <td><${Badge} value=${c.health} /></td>
              <td>${cores(c.cpu)}</td>
              <td>${bytes(c.mem)}</td>
              <td>${rate(c.netRx)} / ${rate(c.netTx)}</td>
              <td>${c.restarts}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <h2>Recent events</h2>
    <${Events} events=${v.events.filter((e) => e.nodeId === n.id || (!e.nodeId && e.hostname === n.hostname))} />
  </main>`;
}

export function ContainerPage(props: Props) {
  const v = props.view;
  const c = v.containers.find((x) => x.id === props.id || x.id.startsWith(props.id) || x.name === props.id);
  const task = v.tasks.find((t) => t.containerId === (c?.id ?? props.id));
  const events = v.events.filter((e) => e.containerId === (c?.id ?? props.id));
  const logs = `/logs?container=${encodeURIComponent(c?.id ?? props.id)}&tail=1`;
  return html`<main class="entity container">
    <h1>Container ${c?.name ?? shortId(props.id)}</h1>
    ${
      c
        ? html`<dl class="facts">
            <dt>id</dt>
            <dd>${c.id}</dd>
            <dt>image</dt>
            <dd>${c.image}</dd>
            <dt>node</dt>
            <dd><a href=${`/node/${encodeURIComponent(c.nodeId || c.hostname)}`}>${c.hostname}</a></dd>
            ${
              c.serviceId
                ? html`<dt>service</dt>
                    <dd>
                      <a href=${`/service/${encodeURIComponent(c.serviceId)}`}>${c.service}</a
                      >${c.slot ? ` · slot ${c.slot}` : ''}
                    </dd>`
                : ''
            }
            <dt>status</dt>
            <dd>
              <${Badge} value=${c.status} /> <${Badge} value=${c.health} /> ${c.restarts}
              restarts${c.oomKills ? `, ${c.oomKills} OOM kills` : ''}
            </dd>
            <dt>started</dt>
            <dd>${c.startedAt ? since(c.startedAt) : '—'}</dd>
            <dt>now</dt>
            <dd>
              ${cores(c.cpu)} cores · ${bytes(c.mem)}${c.memLimit ? ` of ${bytes(c.memLimit)}` : ''} · net
              ${rate(c.netRx)} in, ${rate(c.netTx)} out · disk ${rate(c.ioRead)} read, ${rate(c.ioWrite)} write
            </dd>
          </dl>`
        : html`<p class="muted">Not running now (or not reported yet). Its history and logs may still be here.</p>`
    }
    ${task ? html`<p>Task <${Badge} value=${task.state} /> ${task.error}</p>` : ''}
    <p><a href=${logs} class="logs-link">Live logs →</a></p>
    <h2>Resources</h2>
    <${Charts} series=${props.history} />
    <h2>Recent events</h2>
    <${Events} events=${events} />
  </main>`;
}
