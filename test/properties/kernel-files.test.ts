// Property tests of the cgroup and /proc parsers: any text (and the real kernel files of the
// fixtures, cut short or with bytes changed, as a read racing a write may see them) is parsed
// without a throw into finite numbers only (NaN or Infinity would poison a record), and the
// formats the kernel writes come back exactly.
import test from 'ava';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as cgroup from '../../collector/sources/cgroup-stats/parse.ts';
import * as proc from '../../collector/readers/proc-parse.ts';

const RUNS = { numRuns: 300 };
const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => readFileSync(join(d.parentPath, d.name), 'utf8'));
}
const kernelTexts = [
  ...files(join(fixtures, 'proc')),
  ...files(join(fixtures, 'cgroup-v1')),
  ...files(join(fixtures, 'cgroup-v2')),
];

/** Kernel text as a reader might see it: arbitrary, or a real file cut short, or with characters replaced. */
const text = fc.oneof(
  fc.string({ maxLength: 500 }),
  fc
    .array(
      fc.constantFrom(
        ' ',
        '\n',
        ':',
        '=',
        'max',
        'some',
        'full',
        'total',
        '8:0',
        'Read',
        'Write',
        '-1',
        '1e400',
        'NaN',
        '0x1f',
        '18446744073709551615',
      ),
      { maxLength: 60 },
    )
    .map((a) => a.join('')),
  fc
    .tuple(
      fc.constantFrom(...kernelTexts),
      fc.nat(),
      fc.array(fc.tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 1 })), { maxLength: 5 }),
    )
    .map(([t, cut, edits]) => {
      const chars = [...t.slice(0, t.length ? cut % (t.length + 1) : 0)];
      for (const [at, c] of edits) if (chars.length) chars[at % chars.length] = c;
      return chars.join('');
    }),
);

/** Every number reachable in a parser's output is finite. */
function allFinite(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (value instanceof Map) return [...value.values()].every(allFinite);
  if (Array.isArray(value)) return value.every(allFinite);
  if (value && typeof value === 'object') return Object.values(value).every(allFinite);
  return true;
}

const parsers: Record<string, (t: string) => unknown> = {
  'cgroup flat keyed (cpu.stat, memory.stat, …)': cgroup.parseFlatKeyed,
  'cgroup single value': cgroup.parseSingle,
  'cgroup.procs line count': cgroup.countLines,
  'PSI (cpu/memory/io.pressure)': cgroup.parsePsi,
  'v1 blkio tables': (t) => cgroup.parseBlkioV1(t, t),
  'v2 io.stat': cgroup.parseIoStat,
  'v2 cpu.max': cgroup.parseCpuMax,
  '/proc/net/dev': proc.parseNetDev,
  '/proc/partitions': proc.parsePartitions,
  '/proc/stat': proc.parseProcStat,
  '/proc/meminfo': proc.parseMeminfo,
  '/proc/loadavg': proc.parseLoadavg,
  '/proc/uptime': proc.parseUptime,
  '/proc/diskstats': proc.parseDiskstats,
};

for (const [name, parse] of Object.entries(parsers)) {
  test(`${name}: any text is parsed without a throw into finite numbers only`, (t) => {
    fc.assert(
      fc.property(text, (s) => allFinite(parse(s))),
      RUNS,
    );
    t.pass();
  });
}

const key = fc.stringMatching(/^[a-z][a-z_]{0,20}$/);

test('cgroup flat keyed files come back exactly', (t) => {
  fc.assert(
    fc.property(fc.dictionary(key, fc.nat()), (m) => {
      const parsed = cgroup.parseFlatKeyed(
        Object.entries(m)
          .map(([k, v]) => `${k} ${v}\n`)
          .join(''),
      );
      return parsed.size === Object.keys(m).length && Object.entries(m).every(([k, v]) => parsed.get(k) === v);
    }),
    RUNS,
  );
  t.pass();
});

test('/proc/meminfo comes back exactly, in bytes', (t) => {
  fc.assert(
    fc.property(fc.dictionary(fc.stringMatching(/^[A-Z][A-Za-z0-9_]{0,15}$/), fc.nat({ max: 2 ** 40 })), (m) => {
      const parsed = proc.parseMeminfo(
        Object.entries(m)
          .map(([k, v]) => `${k}:${' '.repeat(8)}${v} kB\n`)
          .join(''),
      );
      return Object.entries(m).every(([k, v]) => parsed[k] === v * 1024);
    }),
    RUNS,
  );
  t.pass();
});

test('v2 io.stat comes back exactly per device', (t) => {
  const dev = fc.record({
    major: fc.nat(300),
    minor: fc.nat(300),
    r: fc.nat(),
    w: fc.nat(),
    ri: fc.nat(),
    wi: fc.nat(),
  });
  fc.assert(
    fc.property(fc.uniqueArray(dev, { selector: (d) => `${d.major}:${d.minor}`, maxLength: 8 }), (devs) => {
      const parsed = cgroup.parseIoStat(
        devs
          .map((d) => `${d.major}:${d.minor} rbytes=${d.r} wbytes=${d.w} rios=${d.ri} wios=${d.wi} dbytes=0 dios=0\n`)
          .join(''),
      );
      return (
        parsed.length === devs.length &&
        devs.every((d, i) => {
          const p = parsed[i]!;
          return (
            p.major === d.major &&
            p.minor === d.minor &&
            p.readBytes === d.r &&
            p.writeBytes === d.w &&
            p.readOps === d.ri &&
            p.writeOps === d.wi
          );
        })
      );
    }),
    RUNS,
  );
  t.pass();
});
