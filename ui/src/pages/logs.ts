// Logs: search by text, stream, time range, container, service and label (Elasticsearch or the
// journal, whichever the aggregator writes), and the live tail of a container or a whole service
// (its tasks interleaved by time). The query lives in the URL, so a link opens the same view.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson } from '../live.ts';
import { navigate } from '../router.ts';
import { shortId } from '../format.ts';
import type { LogLine } from '../../../aggregator/ui/ui-api.ts';

/** Lines a live tail keeps on the page; older ones scroll away. */
const TAIL_KEEP = 2000;
const FIELDS = ['q', 'stream', 'from', 'to', 'container', 'service', 'label'] as const;

type Result = { backend: string; lines: LogLine[]; partial: boolean };

export function LogsPage(props: { params: URLSearchParams }) {
  const p = props.params;
  const key = p.toString();
  const tail = p.get('tail') === '1' && (!!p.get('container') || !!p.get('service'));
  const [result, setResult] = useState<Result | undefined>(undefined);
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');
  const list = useRef<HTMLDivElement>(null);

  useEffect(() => {
    setResult(undefined);
    setError('');
    const qs = new URLSearchParams();
    for (const f of FIELDS) {
      const v = p.get(f);
      if (v) qs.set(f, f === 'from' || f === 'to' ? new Date(v).toISOString() : v);
    }
    if (tail) {
      const src = new EventSource(`/ui/api/tail?${qs.toString()}`);
      let lines: LogLine[] = [];
      let backend = '';
      setStatus('connecting…');
      // Live lines may come before the store's answer names the backend.
      src.addEventListener('backend', (e) => {
        backend = (JSON.parse((e as MessageEvent<string>).data) as { backend: string }).backend;
        if (lines.length) setResult({ backend, lines, partial: false });
      });
      src.addEventListener('lines', (e) => {
        const more = JSON.parse((e as MessageEvent<string>).data) as LogLine[];
        lines = [...lines, ...more].sort((a, b) => Date.parse(a.time) - Date.parse(b.time)).slice(-TAIL_KEEP);
        setResult({ backend, lines, partial: false });
        setStatus('live');
      });
      src.addEventListener('skipped', (e) =>
        setError(`${(e as MessageEvent<string>).data} lines skipped: the page fell behind`),
      );
      src.addEventListener('problem', (e) =>
        setError((JSON.parse((e as MessageEvent<string>).data) as { error: string }).error),
      );
      src.onopen = () => setStatus('live');
      src.onerror = () => setStatus('disconnected — retrying');
      return () => src.close();
    }
    if (!FIELDS.some((f) => p.get(f))) return undefined;
    qs.set('limit', '500');
    setStatus('searching…');
    getJson<Result>(`/ui/api/logs?${qs.toString()}`).then(
      (r) => {
        setResult(r);
        setStatus('');
      },
      (err: Error) => {
        setError(err.message);
        setStatus('');
      },
    );
    return undefined;
  }, [key]);

  useEffect(() => {
    if (tail && list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [result]);

  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const next = new URLSearchParams();
    for (const f of [...FIELDS, 'tail']) {
      const v = form.get(f);
      if (typeof v === 'string' && v) next.set(f, v);
    }
    navigate(`/logs?${next.toString()}`);
  };

  return html`<main class="logs">
    <form class="log-query" onSubmit=${submit} key=${key}>
      <input name="q" placeholder="text" value=${p.get('q') ?? ''} aria-label="text" />
      <select name="stream" aria-label="stream">
        ${['', 'stdout', 'stderr'].map((s) => html`<option value=${s} selected=${(p.get('stream') ?? '') === s}>${s || 'any stream'}</option>`)}
      </select>
      <input name="service" placeholder="service" value=${p.get('service') ?? ''} aria-label="service" />
      <input name="container" placeholder="container id" value=${p.get('container') ?? ''} aria-label="container" />
      <input name="label" placeholder="label key=value" value=${p.get('label') ?? ''} aria-label="label" />
      <label>from <input name="from" type="datetime-local" step="1" value=${local(p.get('from'))} /></label>
      <label>to <input name="to" type="datetime-local" step="1" value=${local(p.get('to'))} /></label>
      <label title="a container or a service"
        ><input name="tail" type="checkbox" value="1" checked=${p.get('tail') === '1'} /> live tail</label
      >
      <button type="submit">${p.get('tail') === '1' ? 'Tail' : 'Search'}</button>
    </form>
    <p class="log-status">
      ${tail ? html`<span class=${`tail-status ${status === 'live' ? 'live' : ''}`} data-tail=${status}>tail: ${status}</span>` : status}
      ${result ? html`${tail || status ? ' · ' : ''}${result.lines.length} line${result.lines.length === 1 ? '' : 's'} from ${result.backend}${result.partial ? ' (partial: scan bound reached)' : ''}` : ''}
    </p>
    ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
    <div class="log-lines" ref=${list}>
      ${result?.lines.map(
        (l) =>
          html`<div class=${`line ${l.stream}`} key=${l.id} data-id=${l.id}>
            <time title=${l.time}>${l.time.slice(11, 23)}Z</time>
            <a class="who" href=${`/container/${encodeURIComponent(l.containerId)}`}
              >${l.service ? `${l.service}` : l.containerName || shortId(l.containerId)}</a
            >
            <span class="stream">${l.stream === 'stderr' ? 'err' : 'out'}</span>
            <span class="msg">${l.message}</span>
          </div>`,
      )}
      ${result && !result.lines.length ? html`<p class="muted">No lines${tail ? ' yet' : ' match'}.</p>` : ''}
    </div>
  </main>`;
}

/** An ISO time as the datetime-local input wants it (local time, no zone). */
function local(iso: string | null): string {
  if (!iso) return '';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return '';
  return new Date(t.getTime() - t.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
}
