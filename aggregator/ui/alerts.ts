// Firing alerts for the cluster page, read from Alertmanager's v2 API (active, not silenced, not
// inhibited) at most every ALERTS_CACHE_MS however many pages are open; a failure is shown, not thrown.
import { request } from 'undici';
import type { Alert, ClusterView } from './ui-api.ts';

export const ALERTS_CACHE_MS = 5_000;
const TIMEOUT_MS = 3_000;

type AmAlert = { labels: Record<string, string>; annotations?: Record<string, string>; startsAt: string };

export class AlertmanagerAlerts {
  private readonly url: string | undefined;
  private last: ClusterView['alerts'];
  private fetchedMs = 0;
  private inflight: Promise<void> | undefined;

  constructor(url: string | undefined) {
    this.url = url?.replace(/\/$/, '');
    this.last = { configured: !!url, firing: [] };
  }

  /** The latest known answer; starts a refresh in the background when it is older than the cache. */
  current(now = Date.now()): ClusterView['alerts'] {
    if (this.url && now - this.fetchedMs > ALERTS_CACHE_MS && !this.inflight) {
      this.fetchedMs = now;
      this.inflight = this.refresh().finally(() => (this.inflight = undefined));
    }
    return this.last;
  }

  async refresh(): Promise<void> {
    if (!this.url) return;
    try {
      const res = await request(`${this.url}/api/v2/alerts?active=true&silenced=false&inhibited=false`, {
        headersTimeout: TIMEOUT_MS,
        bodyTimeout: TIMEOUT_MS,
      });
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new Error(`Alertmanager answered ${res.statusCode}`);
      }
      const list = (await res.body.json()) as AmAlert[];
      const firing: Alert[] = list.map((a) => ({
        name: a.labels.alertname ?? '',
        severity: a.labels.severity ?? '',
        summary: a.annotations?.summary ?? a.annotations?.description ?? '',
        startsAt: a.startsAt,
      }));
      this.last = { configured: true, firing };
    } catch (err) {
      this.last = { configured: true, error: (err as Error).message, firing: this.last.firing };
    }
  }
}
