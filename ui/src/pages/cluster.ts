// The cluster at a glance: what needs attention first, then every node (Swarm role and status,
// host load, collector freshness) and every service (desired vs running, update state, image).
import { html } from 'htm/preact';
import { Badge } from '../components.ts';
import { ago, bytes, cores, pct, tag } from '../format.ts';
import type { ClusterView } from '../../../aggregator/ui/ui-api.ts';

export function ClusterPage(props: { view: ClusterView }) {
  const v = props.view;
  return html`<main class="cluster">
    <section class="attention">
      <h2>Needs attention <span class="count">${v.attention.length}</span></h2>
      ${
        v.attention.length
          ? html`<ul>
              ${v.attention.map(
                (a) => html`<li class=${a.severity} data-kind=${a.kind}><a href=${a.href}>${a.text}</a></li>`,
              )}
            </ul>`
          : html`<p class="all-good">Nothing needs attention.</p>`
      }
      ${v.alerts.configured && v.alerts.error ? html`<p class="muted">Alertmanager: ${v.alerts.error}</p>` : ''}
      ${v.swarm.present ? '' : html`<p class="muted">No Swarm state reported yet (a collector on a manager node sends it).</p>`}
    </section>
    <section>
      <h2>Nodes <span class="count">${v.nodes.length}</span></h2>
      <table class="nodes">
        <thead>
          <tr>
            <th>node</th>
            <th>role</th>
            <th>availability</th>
            <th>status</th>
            <th>CPU</th>
            <th>memory</th>
            <th>disk</th>
            <th>collector</th>
            <th>containers</th>
          </tr>
        </thead>
        <tbody>
          ${v.nodes.map(
            (n) =>
              html`<tr key=${n.id || n.hostname} data-node=${n.hostname}>
                <td><a href=${`/node/${encodeURIComponent(n.id || n.hostname)}`}>${n.hostname}</a></td>
                <td>${n.role || '—'}${n.leader ? html` <span class="leader" title="leader">★ leader</span>` : ''}</td>
                <td><${Badge} value=${n.availability} /></td>
                <td><${Badge} value=${n.status} /></td>
                <td title="cores busy / cores">${cores(n.cpuUsed)} / ${n.cpus || '—'}</td>
                <td title=${`${bytes(n.memUsed)} of ${bytes(n.memTotal)}`}>${pct(n.memUsed, n.memTotal)}</td>
                <td title=${`${bytes(n.diskUsed)} of ${bytes(n.diskTotal)}`}>${pct(n.diskUsed, n.diskTotal)}</td>
                <td class=${`collector ${n.collector}`}>
                  ${n.collector === 'none' ? 'none' : `${n.collector === 'silent' ? 'silent, ' : ''}${ago(n.collectorAgeMs)}`}
                </td>
                <td>${n.containers}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>
    <section>
      <h2>Services <span class="count">${v.services.length}</span></h2>
      <table class="services">
        <thead>
          <tr>
            <th>service</th>
            <th>mode</th>
            <th>replicas</th>
            <th>update</th>
            <th>image</th>
            <th>tasks</th>
          </tr>
        </thead>
        <tbody>
          ${v.services.map(
            (s) =>
              html`<tr key=${s.id} data-service=${s.name}>
                <td>
                  <a href=${`/service/${encodeURIComponent(s.id)}`}>${s.name}</a
                  >${s.stack ? html` <span class="muted">(${s.stack})</span>` : ''}
                </td>
                <td>${s.mode}</td>
                <td class=${`replicas ${s.running < s.desired ? 'below' : 'ok'}`}>${s.running}/${s.desired}</td>
                <td class="update">${s.update ? html`<${Badge} value=${s.update.state} />` : '—'}</td>
                <td class="image" title=${s.image}>${tag(s.image)}</td>
                <td class="tasks">
                  ${Object.entries(s.tasks)
                    .sort()
                    .map(([state, n]) => html`<${Badge} value=${`${n} ${state}`} kind=${state} /> `)}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>
  </main>`;
}
