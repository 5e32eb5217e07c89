// Retry delays: exponential with full jitter, capped, and overridden by a server's Retry-After.
export type BackoffPolicy = { initialDelayMs: number; maxDelayMs: number; factor: number };

export const defaultBackoff: BackoffPolicy = { initialDelayMs: 250, maxDelayMs: 30_000, factor: 2 };

/** Delay before retry number `attempt` (0-based); `random` is injectable for tests. */
export function backoffDelayMs(
  attempt: number,
  policy: BackoffPolicy = defaultBackoff,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Parses a Retry-After header (delta-seconds or HTTP date) into milliseconds from `now`. */
export function retryAfterMs(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
