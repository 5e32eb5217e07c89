// Asking the other aggregator replicas for their part: a GET with the shared bearer token to each
// peer, answered or failed within PEER_TIMEOUT_MS, so one dead replica slows a page by that much at
// most and shows as "did not answer" instead of hiding its nodes silently.
import { request } from 'undici';

export const PEER_TIMEOUT_MS = 2_000;

export type PeerAnswer<T> = { replica: string; body?: T; error?: string; fetchedAtMs: number };

export class Peers {
  readonly urls: () => readonly string[];
  readonly token: string;

  constructor(opts: { urls: () => readonly string[]; token: string }) {
    this.urls = opts.urls;
    this.token = opts.token;
  }

  get count(): number {
    return this.urls().length;
  }

  async get<T>(path: string): Promise<Array<PeerAnswer<T>>> {
    return Promise.all(
      this.urls().map(async (base): Promise<PeerAnswer<T>> => {
        try {
          const res = await request(`${base}${path}`, {
            headers: { authorization: `Bearer ${this.token}`, accept: 'application/json' },
            headersTimeout: PEER_TIMEOUT_MS,
            bodyTimeout: PEER_TIMEOUT_MS,
            signal: AbortSignal.timeout(PEER_TIMEOUT_MS),
          });
          if (res.statusCode !== 200) {
            await res.body.dump();
            return { replica: base, error: `answered ${res.statusCode}`, fetchedAtMs: Date.now() };
          }
          return { replica: base, body: (await res.body.json()) as T, fetchedAtMs: Date.now() };
        } catch (err) {
          return { replica: base, error: (err as Error).message, fetchedAtMs: Date.now() };
        }
      }),
    );
  }
}

/**
 * Follows a peer's server-sent-event stream (a live tail of its part) until `signal` aborts:
 * each `event:`/`data:` pair is handed to onEvent; a broken stream is reconnected after 2 s.
 */
export async function followPeerStream(
  url: string,
  token: string,
  onEvent: (event: string, data: string) => void,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    try {
      const res = await request(url, {
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
        headersTimeout: PEER_TIMEOUT_MS,
        bodyTimeout: 0,
        signal,
      });
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new Error(`answered ${res.statusCode}`);
      }
      let buf = '';
      for await (const chunk of res.body.setEncoding('utf8')) {
        buf += chunk as string;
        let end: number;
        while ((end = buf.indexOf('\n\n')) !== -1) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) onEvent(event, data.join('\n'));
        }
      }
    } catch {
      // the peer went away or restarted: try again shortly, unless the page has gone
    }
    if (!signal.aborted) await new Promise((r) => setTimeout(r, 2_000));
  }
}
