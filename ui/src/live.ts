// The page's live connection: one EventSource to /ui/api/live (the cluster view, and the focused
// entity's history, whenever they change). Tracks whether the aggregator is still there: an
// error, or no message for STALE_MS (the server sends at least a heartbeat every 15 s), is "lost".
import type { ClusterView, SeriesData as Series } from '../../aggregator/ui/ui-api.ts';

export type Connection = 'connecting' | 'live' | 'lost';
export type LiveState = {
  view: ClusterView | undefined;
  history: Series | null | undefined;
  connection: Connection;
  lastMessageMs: number;
  lastViewMs: number;
};

const STALE_MS = 20_000;

export class Live {
  state: LiveState = { view: undefined, history: undefined, connection: 'connecting', lastMessageMs: 0, lastViewMs: 0 };
  private source: EventSource | undefined;
  private focus: string | undefined = undefined;
  private need = '';
  private readonly listeners = new Set<() => void>();
  private watchdog: number | undefined;

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * (Re)connects when the focus (the entity whose history is wanted) or the parts of the view the
   * page draws (`need`: tasks, containers, events) change.
   */
  open(focus: string | undefined, need: string): void {
    if (this.source && focus === this.focus && need === this.need) return;
    this.source?.close();
    this.focus = focus;
    this.need = need;
    this.state = { ...this.state, history: undefined };
    const q = new URLSearchParams({ need, ...(focus ? { focus } : {}) });
    const src = new EventSource(`/ui/api/live?${q.toString()}`);
    this.source = src;
    const seen = () => {
      this.state.lastMessageMs = Date.now();
      if (this.state.connection !== 'live') this.set({ connection: 'live' });
    };
    src.addEventListener('hello', seen);
    src.addEventListener('view', (e) => {
      seen();
      this.set({ view: JSON.parse((e as MessageEvent<string>).data) as ClusterView, lastViewMs: Date.now() });
    });
    src.addEventListener('history', (e) => {
      seen();
      this.set({ history: JSON.parse((e as MessageEvent<string>).data) as Series | null });
    });
    src.onmessage = seen;
    src.onerror = () => {
      this.set({ connection: 'lost' });
      void checkSession();
    };
    window.clearInterval(this.watchdog);
    this.watchdog = window.setInterval(() => {
      if (this.state.connection === 'live' && Date.now() - this.state.lastMessageMs > STALE_MS) {
        this.set({ connection: 'lost' });
        // A half-open connection never errors by itself: start again.
        this.source?.close();
        this.source = undefined;
        this.open(this.focus, this.need);
      }
    }, 2_000);
  }

  private set(patch: Partial<LiveState>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
  }
}

/** An expired session shows as a lost stream: when the API says 401, go to the login form. */
export async function checkSession(): Promise<void> {
  try {
    const res = await fetch('/ui/api/part/history?focus=node:-', { headers: { accept: 'application/json' } });
    if (res.status === 401) location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
  } catch {
    // the aggregator is down: the banner says so
  }
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (res.status === 401) {
    location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
    throw new Error('signed out');
  }
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
