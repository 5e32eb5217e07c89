// Asking the other aggregator replicas for their part: a GET with the shared bearer token to each
// peer, answered or failed within PEER_TIMEOUT_MS, so one dead replica slows a page by that much at
// most and shows as "did not answer" instead of hiding its nodes silently.
import { request } from 'undici';

export const PEER_TIMEOUT_MS = 2_000;

export type PeerAnswer<T> = { replica: string; body?: T; error?: string; fetchedAtMs: number };

export class Peers {
  private readonly urls: () => readonly string[];
  private readonly token: string;

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
