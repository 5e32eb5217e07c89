// Pieces every page shares: the header (navigation, connection state, per-replica freshness), the
// lost-connection banner, state badges, and the recent-events list with links to logs.
import { html } from 'htm/preact';
import type { LiveState } from './live.ts';
import type { UiEvent } from '../../aggregator/ui/ui-api.ts';
import { ago, clock, since } from './format.ts';

export function Header(props: { live: LiveState; page: string }) {
  const { live, page } = props;
  const view = live.view;
  const link = (href: string, label: string, name: string) =>
    html`<a href=${href} class=${page === name ? 'active' : ''}>${label}</a>`;
  return html`<header>
      <a href="/" class="brand">swarmscope</a>
      <nav>
        ${link('/', 'Cluster', 'cluster')} ${link('/visualizer', 'Visualizer', 'visualizer')}
        ${link('/logs', 'Logs', 'logs')}
      </nav>
      <span class="spacer"></span>
      ${
        view
          ? html`<span class="parts" title="each aggregator replica's part of the cluster and how fresh it is">
              ${view.parts.map(
                (p) =>
                  html`<span class=${`part ${p.ok ? 'ok' : 'bad'}`} data-replica=${p.replica}
                    >${p.replica}:
                    ${p.ok ? `${p.nodes} node${p.nodes === 1 ? '' : 's'}, ${ago(p.ageMs)}` : 'no answer'}</span
                  >`,
              )}
            </span>`
          : ''
      }
      <span class=${`conn ${live.connection}`} data-connection=${live.connection}
        >${live.connection === 'live' ? 'live' : live.connection === 'lost' ? 'disconnected' : 'connecting…'}</span
      >
      <a href="/logout" class="logout">sign out</a>
    </header>
    ${
      live.connection === 'lost'
        ? html`<div class="banner" role="alert">
            Connection to the aggregator lost — retrying.
            ${live.lastViewMs ? `What you see is from ${clock(live.lastViewMs)} and is not updating.` : ''}
          </div>`
        : ''
    }`;
}

export const Badge = (props: { value: string; kind?: string }) =>
  html`<span class=${`badge s-${(props.kind ?? props.value).replace(/[^a-z_-]/gi, '')}`}>${props.value || '—'}</span>`;

/** Newest first, the last EVENTS_SHOWN of them (the rest are in Elasticsearch or the journal). */
const EVENTS_SHOWN = 40;

export function Events(props: { events: UiEvent[]; empty?: string }) {
  if (!props.events.length) return html`<p class="muted">${props.empty ?? 'No recent events.'}</p>`;
  return html`<table class="events">
    <thead>
      <tr>
        <th>time</th>
        <th>event</th>
        <th></th>
      </tr>
    </thead>
    <tbody>
      ${props.events
        .slice(-EVENTS_SHOWN)
        .reverse()
        .map((e) => {
          const t = Date.parse(e.time);
          const logs = e.containerId
            ? `/logs?container=${encodeURIComponent(e.containerId)}&from=${new Date(t - 60_000).toISOString()}&to=${new Date(t + 10_000).toISOString()}`
            : '';
          return html`<tr key=${e.id} class=${`ev-${e.action}`}>
            <td title=${e.time}>${since(e.time)}</td>
            <td>${e.text}</td>
            <td>${logs ? html`<a href=${logs}>logs</a>` : ''}</td>
          </tr>`;
        })}
    </tbody>
  </table>`;
}
