// Numbers and times as a person reads them: bytes in binary units, cores, rates, "12 s ago".
export function bytes(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let n = Math.abs(v);
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(n < 10 && i > 0 ? 1 : 0)} ${units[i]}`;
}

export const rate = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${bytes(v)}/s`);

export function cores(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v < 0.1 ? `${(v * 1000).toFixed(0)} m` : v.toFixed(2);
}

export function pct(used: number | null, total: number | null): string {
  if (used === null || total === null || !total) return '—';
  return `${((used / total) * 100).toFixed(0)} %`;
}

export function ago(ms: number | null): string {
  if (ms === null) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

export function since(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '' : ago(Math.max(0, now - t));
}

export const clock = (ms: number) => new Date(ms).toLocaleTimeString([], { hour12: false });
export const shortId = (id: string) => id.slice(0, 12);
export const tag = (image: string) => image.replace(/^.*\//, '');
