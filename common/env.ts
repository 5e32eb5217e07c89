// Reading configuration from the environment: durations, byte sizes, and secrets that may come
// from a *_FILE path (Docker secrets). Each side's config.ts owns its keys and defaults.
import { readFileSync } from 'node:fs';

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/;
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i;
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

/** Collects every problem so that start-up reports all bad keys at once. */
export class EnvReader {
  readonly problems: string[] = [];
  private readonly env: NodeJS.ProcessEnv;
  constructor(env: NodeJS.ProcessEnv) {
    this.env = env;
  }

  string(name: string, fallback: string): string {
    const raw = this.env[name];
    return raw === undefined || raw === '' ? fallback : raw;
  }

  optional(name: string): string | undefined {
    const raw = this.env[name];
    return raw === undefined || raw === '' ? undefined : raw;
  }

  /** A secret from NAME, or from the file NAME_FILE names (trailing newline trimmed). */
  secret(name: string): string | undefined {
    const file = this.optional(`${name}_FILE`);
    if (file) {
      try {
        return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      } catch (err) {
        this.problems.push(
          `${name}_FILE=${file}: cannot read the secret file (${(err as NodeJS.ErrnoException).code ?? err})`,
        );
        return undefined;
      }
    }
    return this.optional(name);
  }

  durationMs(name: string, fallback: string): number {
    const raw = this.string(name, fallback);
    try {
      return parseDurationMs(raw);
    } catch {
      this.problems.push(`${name}=${raw}: not a duration; use e.g. 500ms, 10s, 5m, 1h`);
      return parseDurationMs(fallback);
    }
  }

  bytes(name: string, fallback: string): number {
    const raw = this.string(name, fallback);
    try {
      return parseBytes(raw);
    } catch {
      this.problems.push(`${name}=${raw}: not a size; use e.g. 512k, 64MiB, 2g`);
      return parseBytes(fallback);
    }
  }

  int(name: string, fallback: number, min = 0): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) {
      this.problems.push(`${name}=${raw}: expected an integer ≥ ${min}`);
      return fallback;
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    this.problems.push(`${name}=${raw}: expected true or false`);
    return fallback;
  }

  url(name: string, fallback?: string): string | undefined {
    const raw = this.optional(name) ?? fallback;
    if (raw === undefined) return undefined;
    try {
      return new URL(raw).toString().replace(/\/$/, '');
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
}

export function parseDurationMs(text: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${text}`);
  return Math.round(Number(m[1]) * DURATION_UNITS[m[2] ?? 'ms']!);
}

export function parseBytes(text: string): number {
  const m = SIZE.exec(text.trim());
  if (!m) throw new Error(`not a size: ${text}`);
  return Math.round(Number(m[1]) * SIZE_UNITS[(m[2] ?? 'b').toLowerCase()]!);
}
