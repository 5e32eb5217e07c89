// Reading configuration from the environment: durations and byte sizes with their unit, secrets
// that may come from a *_FILE path (Docker secrets), and the names read, so that a name nobody
// reads is refused with the closest real one. Each side's config.ts owns its keys and defaults.
import { readFileSync } from 'node:fs';

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)$/i;
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};
/** A bare number: refused for durations and sizes (a unitless 3600 was once read as 3.6 s). */
const BARE_NUMBER = /^\d+(?:\.\d+)?$/;

export const SETTING_PREFIX = 'SWARMSCOPE_';

/**
 * Names the project's own tooling reads (test environment, benches, image build), never the
 * collector or aggregator: a process started by that tooling inherits them, so they are not
 * refused. New tooling names should start with SWARMSCOPE_TEST_ or SWARMSCOPE_BENCH_.
 */
export const TOOLING_NAMES: ReadonlySet<string> = new Set([
  'SWARMSCOPE_PROMETHEUS_TARGETS_DIR',
  'SWARMSCOPE_WORKLOAD_IMAGE',
  'SWARMSCOPE_KEEP_ENV',
  'SWARMSCOPE_IMAGE',
  'SWARMSCOPE_BUILD_CA_FILE',
  'SWARMSCOPE_OUTAGE_SECONDS',
]);
const TOOLING_PREFIX = /^SWARMSCOPE_(TEST|BENCH|FAULT)_/;

export function isToolingName(name: string): boolean {
  return TOOLING_NAMES.has(name) || TOOLING_PREFIX.test(name);
}

/** Collects every problem so that start-up reports all bad keys at once, and every name it read. */
export class EnvReader {
  readonly problems: string[] = [];
  /** Every name asked for, set or not: the settings this reader knows. */
  readonly names = new Set<string>();
  /** Values of secrets read, so that printing the configuration can redact them. */
  readonly secretValues = new Set<string>();
  private readonly env: NodeJS.ProcessEnv;
  constructor(env: NodeJS.ProcessEnv) {
    this.env = env;
  }

  private raw(name: string): string | undefined {
    this.names.add(name);
    const raw = this.env[name];
    return raw === undefined || raw === '' ? undefined : raw;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optional(name: string): string | undefined {
    return this.raw(name);
  }

  /** A secret from NAME, or from the file NAME_FILE names (trailing newline trimmed). */
  secret(name: string): string | undefined {
    const file = this.raw(`${name}_FILE`);
    const direct = this.raw(name);
    let value = direct;
    if (file) {
      try {
        value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      } catch (err) {
        this.problems.push(
          `${name}_FILE=${file}: cannot read the secret file (${(err as NodeJS.ErrnoException).code ?? err})`,
        );
        return undefined;
      }
    }
    if (value) this.secretValues.add(value);
    return value;
  }

  /** A path to a file that must be readable now (certificates, keys, CAs). */
  file(name: string): string | undefined {
    const path = this.raw(name);
    if (path === undefined) return undefined;
    try {
      readFileSync(path);
    } catch (err) {
      this.problems.push(`${name}=${path}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
    return path;
  }

  durationMs(name: string, fallback: string): number {
    const raw = this.string(name, fallback);
    try {
      return parseDurationMs(raw);
    } catch (err) {
      this.problems.push(`${name}=${raw}: ${(err as Error).message}`);
      return parseDurationMs(fallback);
    }
  }

  bytes(name: string, fallback: string): number {
    const raw = this.string(name, fallback);
    try {
      return parseBytes(raw);
    } catch (err) {
      this.problems.push(`${name}=${raw}: ${(err as Error).message}`);
      return parseBytes(fallback);
    }
  }

  int(name: string, fallback: number, min = 0): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) {
      this.problems.push(`${name}=${raw}: expected an integer ≥ ${min}`);
      return fallback;
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    this.problems.push(`${name}=${raw}: expected true or false`);
    return fallback;
  }

  url(name: string, fallback?: string): string | undefined {
    const raw = this.raw(name) ?? fallback;
    if (raw === undefined) return undefined;
    try {
      const url = new URL(raw);
      if (url.password) this.secretValues.add(decodeURIComponent(url.password));
      return url.toString().replace(/\/$/, '');
    } catch {
      this.problems.push(`${name}=${raw}: not a URL; use e.g. http://127.0.0.1:9200`);
      return undefined;
    }
  }

  /** host:port, with the port required. */
  listen(name: string, fallback: string): { host: string; port: number } {
    const raw = this.string(name, fallback);
    const m = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(raw);
    if (!m || Number(m[2]) > 65535) {
      this.problems.push(`${name}=${raw}: expected host:port, e.g. 127.0.0.1:9280`);
      const [host, port] = fallback.split(':');
      return { host: host!, port: Number(port) };
    }
    return { host: m[1] || '0.0.0.0', port: Number(m[2]) };
  }

  /** A problem for every SWARMSCOPE_* name set in the environment that no setting has. */
  refuseUnknown(known: ReadonlySet<string>): void {
    for (const name of Object.keys(this.env).sort()) {
      if (!name.startsWith(SETTING_PREFIX) || known.has(name) || this.names.has(name) || isToolingName(name)) continue;
      const near = closestName(name, known);
      this.problems.push(`${name} is not a swarmscope setting${near ? `; did you mean ${near}?` : ''}`);
    }
  }
}

/** `10s`, `500ms`, `5m`, `1h`, `7d`; the unit is required (a bare `0` means nothing else). */
export function parseDurationMs(text: string): number {
  const t = text.trim();
  if (t === '0') return 0;
  if (BARE_NUMBER.test(t)) throw new Error(`a duration needs its unit; did you mean ${t}s? (units: ms, s, m, h, d)`);
  const m = DURATION.exec(t);
  if (!m) throw new Error('not a duration; use e.g. 500ms, 10s, 5m, 1h');
  return bounded(Math.round(Number(m[1]) * DURATION_UNITS[m[2]!]!));
}

/** `512k`, `64MiB`, `2g`, `100b`; the unit is required (a bare `0` means nothing else). */
export function parseBytes(text: string): number {
  const t = text.trim();
  if (t === '0') return 0;
  if (BARE_NUMBER.test(t)) throw new Error(`a size needs its unit; did you mean ${t}b? (units: b, KiB, MiB, GiB)`);
  const m = SIZE.exec(t);
  if (!m) throw new Error('not a size; use e.g. 512KiB, 64MiB, 2GiB');
  return bounded(Math.round(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!));
}

function bounded(n: number): number {
  if (!Number.isSafeInteger(n)) throw new Error('too large');
  return n;
}

/** The known name nearest to `name` by edit distance, if near enough to be a typo. */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // A suggestion further than a third of the name away is noise, not help.
  return best !== undefined && bestDistance <= Math.max(3, Math.ceil(name.length / 3)) ? best : undefined;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => {
    const row = new Array<number>(b.length + 1).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

/** A copy of a configuration value with every secret read replaced, for printing. */
export function redact<T>(value: T, secrets: ReadonlySet<string>): T {
  if (typeof value === 'string') {
    let out: string = value;
    for (const s of secrets) if (s) out = out.split(s).join('<redacted>');
    return out as T;
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, secrets)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, secrets)])) as T;
  }
  return value;
}
