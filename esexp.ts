// experiment, not committed
import { encodeRecordJson } from './aggregator/sinks/elasticsearch/encode.ts';
import { templateFor } from './aggregator/sinks/elasticsearch/templates.ts';
import { recordId } from './common/record-id.ts';
import { testEnv } from './test/helpers/env.ts';
const N = Number(process.argv[2] ?? 200000);
const size = Number(process.argv[3] ?? 100);
const variants = (process.argv[4] ?? 'ours,auto,timeid,lean,rsys').split(',');
const auth = `Basic ${Buffer.from(`${testEnv.esAdminUsername}:${testEnv.esAdminPassword}`).toString('base64')}`;
const node = { name: 'node-1', id: 'abcdefghijklmnopqrstuvwxy' } as any;
const container = { id: 'c'.repeat(64), name: 'bench.1.xyz', image: 'busybox:latest', labels: { 'com.docker.stack.namespace': 'bench', 'com.docker.swarm.service.name': 'bench_svc', 'com.docker.swarm.task.id': 'tttt', 'swarmscope.bench': 'x' } } as any;
const t0 = Date.now();
const recs = Array.from({ length: N }, (_, i) => {
  const time = new Date(t0 + i / 50).toISOString().replace('Z', '123Z');
  return { kind: 'log', id: recordId('f', i), time, node, container, stream: 'stdout', message: `line ${i} ` + 'x'.repeat(Math.max(0, size - 12)), origin: { source: 'json-file', file: '/var/lib/docker/containers/x/x-json.log', offset: i * size } } as any;
});
async function req(method: string, path: string, body?: string) {
  const r = await fetch(testEnv.esUrl + path, { method, headers: { authorization: auth, 'content-type': 'application/x-ndjson' }, body });
  const t = await r.text();
  if (!r.ok && r.status !== 404) throw new Error(`${path} ${r.status} ${t.slice(0, 300)}`);
  return t;
}
async function run(name: string) {
  const index = `exp-${name}-logs-x`;
  await req('DELETE', `/exp-${name}-logs-x`).catch(() => 0);
  if (name !== 'rsys') {
    const t: any = templateFor(`exp-${name}`, 'logs');
    if (name === 'lean') {
      t.template.mappings.properties.message = { type: 'text', norms: false, index_options: 'freqs' };
    }
    if (name === 'lean2') {
      t.template.mappings.properties.message = { type: 'text', norms: false, index_options: 'freqs' };
      t.template.settings['index.translog.durability'] = 'async';
    }
    await req('PUT', `/_index_template/${t.name}`, JSON.stringify({ index_patterns: t.index_patterns, priority: t.priority, template: t.template }));
  }
  const lines: string[] = [];
  const seq = (i: number) => (t0 * 1000 + i).toString(36).padStart(11, '0');
  for (let i = 0; i < N; i++) {
    const r = recs[i];
    const src = name === 'rsys' ? JSON.stringify({ '@timestamp': r.time, message: r.message, stream: r.stream }) : encodeRecordJson(r, 'logs');
    const id = name === 'auto' || name === 'rsys' ? '' : name === 'timeid' || name === 'lean' || name === 'lean2' ? `,"_id":"${seq(i)}${r.id.slice(0, 16)}"` : `,"_id":"${r.id}"`;
    lines.push(`{"${id ? 'create' : 'index'}":{"_index":"${index}"${id}}}\n${src}\n`);
  }
  const per = size > 1000 ? 1000 : 5000;
  const bodies: string[] = [];
  for (let i = 0; i < N; i += per) bodies.push(lines.slice(i, i + per).join(''));
  const s = performance.now();
  await Promise.all(Array.from({ length: 4 }, async () => { for (let b = bodies.shift(); b; b = bodies.shift()) { const t = await req('POST', '/_bulk?filter_path=errors', b); if (t.includes('true')) throw new Error(t); } }));
  const secs = (performance.now() - s) / 1000;
  console.log(`${name.padEnd(8)} ${size} B  ${Math.round(N / secs)} docs/s  doc ${Buffer.byteLength(lines[0]!.split('\n')[1]!)} B`);
  await req('DELETE', `/${index}`);
}
for (const v of variants) await run(v);
