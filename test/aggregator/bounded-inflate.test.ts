// Bounded gunzip and zstd decoding: whatever the body says of its size (gzip's trailer, zstd's frame
// header: it sizes the output buffer), the result is the library's own decoding, and both bounds
// hold: the request's limit (413's code) and the shared budget (429). A zstd frame that asks for a
// window past the decoder's bound is refused, not decoded.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { constants, gunzipSync, gzipSync, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { inflateBounded, OverBudget } from '../../aggregator/bounded-inflate.ts';

const text = (n: number) =>
  Buffer.from(
    randomBytes(Math.ceil(n / 2))
      .toString('hex')
      .slice(0, n),
  );
const unbounded = { maxBytes: 64 << 20, take: () => true };
const zstd = (b: Buffer, params: Record<number, number> = {}) =>
  zstdCompressSync(b, { params: { [constants.ZSTD_c_compressionLevel]: 1, ...params } });

test('a gzip body inflates to what gunzip gives, whether its trailer tells its size or not', async (t) => {
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
    t.true((await inflateBounded(body, 'gzip', unbounded)).equals(gunzipSync(body)), name);
});

test('a zstd body decodes to what zstd gives, whether its frame header tells its size or not', async (t) => {
  const big = text(4 << 20);
  const small = text(1000);
  const bodies = {
    'one frame, 4 MiB, content size in the header': zstd(big),
    'compressible, 4 MiB from a small body': zstd(Buffer.alloc(4 << 20, 'x')),
    'no content size in the header': zstd(big, { [constants.ZSTD_c_contentSizeFlag]: 0 }),
    'small, under the synchronous cap': zstd(small),
    'a checksum after the frame': zstd(big, { [constants.ZSTD_c_checksumFlag]: 1 }),
  };
  for (const [name, body] of Object.entries(bodies))
    t.true((await inflateBounded(body, 'zstd', unbounded)).equals(zstdDecompressSync(body)), name);
});

for (const [name, compress] of [
  ['gzip', (b: Buffer) => gzipSync(b)],
  ['zstd', (b: Buffer) => zstd(b)],
] as const)
  test(`${name}: the bounds hold whatever the body says of its size: past the request limit, and past the budget`, async (t) => {
    const bomb = compress(Buffer.alloc(20 << 20));
    t.true(bomb.length < 64 * 1024, 'a small body');
    const tooLarge = await t.throwsAsync(inflateBounded(bomb, name, { maxBytes: 16 << 20, take: () => true }));
    t.is((tooLarge as NodeJS.ErrnoException).code, 'ERR_BUFFER_TOO_LARGE');
    // A bomb that does not state its size (gzip: a small last member's trailer; zstd: no content
    // size in the header): the stream path still stops it.
    const hidden =
      name === 'gzip'
        ? Buffer.concat([bomb, compress(text(100))])
        : zstd(Buffer.concat([text(160 << 10), Buffer.alloc(20 << 20)]), { [constants.ZSTD_c_contentSizeFlag]: 0 });
    const stillTooLarge = await t.throwsAsync(inflateBounded(hidden, name, { maxBytes: 16 << 20, take: () => true }));
    t.is((stillTooLarge as NodeJS.ErrnoException).code, 'ERR_BUFFER_TOO_LARGE');
    let taken = 0;
    const budget = { maxBytes: 64 << 20, take: (n: number) => (taken + n <= 3 << 20 ? ((taken += n), true) : false) };
    await t.throwsAsync(inflateBounded(compress(text(4 << 20)), name, budget), { instanceOf: OverBudget });
    t.true(taken <= 3 << 20, 'no more taken than the budget allows');
  });

test('a zstd frame asking for a window past 8 MiB is refused, on both paths', async (t) => {
  const params = { [constants.ZSTD_c_windowLog]: 25, [constants.ZSTD_c_contentSizeFlag]: 0 };
  const bodies = {
    'small (the synchronous call)': zstd(Buffer.alloc(40 << 20), params),
    'large (the stream)': zstd(Buffer.concat([text(256 << 10), Buffer.alloc(40 << 20)]), params),
  };
  for (const [name, body] of Object.entries(bodies)) {
    const err = await t.throwsAsync(inflateBounded(body, 'zstd', { maxBytes: 128 << 20, take: () => true }));
    t.regex(err!.message, /too much memory/, name);
  }
});

test('a zstd body of several frames is refused, not cut to its first frame, on both paths', async (t) => {
  for (const [name, first] of [
    ['small', text(1000)],
    ['large', text(4 << 20)],
  ] as const) {
    const body = Buffer.concat([zstd(first), zstd(text(5000))]);
    const err = await t.throwsAsync(inflateBounded(body, 'zstd', unbounded));
    t.regex(err!.message, /follow the first zstd frame/, name);
  }
});

test('a body that is not what its encoding says is an error, not a crash', async (t) => {
  const gz = gzipSync(text(1000));
  await t.throwsAsync(inflateBounded(gz, 'zstd', unbounded));
  await t.throwsAsync(inflateBounded(zstd(text(1000)), 'gzip', unbounded));
  await t.throwsAsync(inflateBounded(zstd(text(200_000)).subarray(0, 100), 'zstd', unbounded));
});
