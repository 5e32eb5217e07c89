// experiment, not committed: the collector's per-line path on a prepared json-file buffer
import { gzipSync } from 'node:zlib';
import { scanEntries } from './collector/sources/container-logs/json-file-entries.ts';
import { MessageAssembler, type Message } from './collector/sources/container-logs/message-assembler.ts';
import { LogRecordBuilder } from './collector/sources/container-logs/log-record.ts';
import { BatchEncoderV2 } from './common/wire-v2.ts';
const size = Number(process.argv[2] ?? 100);
const N = Number(process.argv[3] ?? 200000);
const t0 = Date.parse('2026-11-30T10:00:00Z');
let text = '';
for (let i = 0; i < N; i++) {
  const msg = (`line ${i} ` + 'abcdefghij'.repeat(size / 10)).slice(0, size - 1);
  text += JSON.stringify({ log: msg + '\n', stream: 'stdout', time: new Date(t0 + i).toISOString().replace('Z', '123456Z') }) + '\n';
}
const buf = Buffer.from(text);
const node = { hostname: 'h', id: 'nodeid' } as any;
const meta = { ref: { id: 'c'.repeat(64), name: 'x', image: 'busybox', labels: {} }, json: false } as any;
function once() {
  const asm = new MessageAssembler({ maxMessageBytes: 1024 * 1024, piecesShareTime: true });
  const b = new LogRecordBuilder(() => node, { truncated: 0, jsonErrors: 0 });
  let enc = new BatchEncoderV2();
  let gz = 0;
  const CH = Number(process.argv[4] ?? 1048576);
  for (let pos = 0; pos < buf.length; ) {
    const chunk = buf.subarray(pos, Math.min(buf.length, pos + CH));
    const out: Message[] = [];
    const r = scanEntries(chunk, chunk.length, pos, 'f1', (p) => asm.push(p, out));
    pos += r.consumed;
    for (const m of out) {
      enc.add(b.fromFile(meta, m, 'ident'));
      if (enc.records >= 5000 || enc.bytes >= 1024 * 1024) { gz += gzipSync(enc.finish(), { level: 1 }).length; enc = new BatchEncoderV2(); }
    }
  }
  return gz;
}
for (let r = 0; r < 6; r++) {
  const c0 = process.cpuUsage(); const s = performance.now();
  once();
  const c = process.cpuUsage(c0); const ms = performance.now() - s;
  console.log(`${size} B: ${(ms * 1000 / N).toFixed(2)} µs/line wall, ${((c.user + c.system) / N).toFixed(2)} µs/line cpu, ${Math.round(N / ms * 1000)} lines/s, ${(N * size / ms * 1000 / 2**20).toFixed(1)} MiB/s`);
}
