// Polling until a condition holds, with a deadline and a message naming what was awaited; and a
// bound on any one awaited step, so that a hung probe or teardown fails the test instead of
// outliving it.
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  opts: { timeoutMs: number; intervalMs?: number; what: string },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      // A probe that never settles (a request with no answer) counts as a failed attempt at the deadline.
      const v = await bounded(`a probe for ${opts.what}`, Math.max(deadline - Date.now(), 1_000), probe());
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${opts.timeoutMs} ms waiting for ${opts.what}${lastError ? `: ${(lastError as Error).message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}

/** `work`, or an error naming `what` once `ms` have passed without it settling. */
export async function bounded<T>(what: string, ms: number, work: Promise<T> | T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
