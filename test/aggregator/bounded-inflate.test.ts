// Bounded gunzip: whatever the gzip trailer's size says (it sizes the output buffer), the result is
// gunzip's, and both bounds hold: the request's limit (413's code) and the shared budget (429).
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { inflateBounded, OverBudget } from '../../aggregator/bounded-inflate.ts';

const text = (n: number) =>
  Buffer.from(
    randomBytes(Math.ceil(n / 2))
      .toString('hex')
      .slice(0, n),
  );
const unbounded = { maxBytes: 64 << 20, take: () => true };

test('a body inflates to what gunzip gives, whether its trailer tells its size or not', async (t) => {
  const big = text(4 << 20);
  const small = text(1000);
  const bodies = {
    'one member, 4 MiB (the trailer right)': gzipSync(big, { level: 1 }),
    'compressible, 4 MiB from a small body': gzipSync(Buffer.alloc(4 << 20, 'x')),
    'two members, the last small (the trailer tells only the last)': Buffer.concat([gzipSync(big), gzipSync(small)]),
    'trailing zeros (the last bytes are no size)': Buffer.concat([gzipSync(big), Buffer.alloc(8)]),
    'small, under the synchronous cap': gzipSync(small),
  };
  for (const [name, body] of Object.entries(bodies))
    t.true((await inflateBounded(body, unbounded)).equals(gunzipSync(body)), name);
});

test('the bounds hold whatever the trailer says: past the request limit, and past the budget', async (t) => {
  const bomb = gzipSync(Buffer.alloc(20 << 20));
  t.true(bomb.length < 64 * 1024, 'a small body');
  const tooLarge = await t.throwsAsync(inflateBounded(bomb, { maxBytes: 16 << 20, take: () => true }));
  t.is((tooLarge as NodeJS.ErrnoException).code, 'ERR_BUFFER_TOO_LARGE');
  // A bomb whose trailer is the last member's, a small one: the stream path still stops it.
  const hidden = Buffer.concat([bomb, gzipSync(text(100))]);
  const stillTooLarge = await t.throwsAsync(inflateBounded(hidden, { maxBytes: 16 << 20, take: () => true }));
  t.is((stillTooLarge as NodeJS.ErrnoException).code, 'ERR_BUFFER_TOO_LARGE');
  let taken = 0;
  const budget = { maxBytes: 64 << 20, take: (n: number) => (taken + n <= 3 << 20 ? ((taken += n), true) : false) };
  await t.throwsAsync(inflateBounded(gzipSync(text(4 << 20)), budget), { instanceOf: OverBudget });
  t.true(taken <= 3 << 20, 'no more taken than the budget allows');
});
