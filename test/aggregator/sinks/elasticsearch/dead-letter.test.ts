// The operator command over a real Elasticsearch: `swarmscope dead-letter list` shows each set-aside
// record with its reason; `replay` writes it again and keeps the entry while the cause persists.
import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startTestAggregator } from '../../../helpers/aggregator.ts';
import { deleteIndices, scanAll } from '../../../helpers/elasticsearch.ts';
import { esWriterEnv } from '../../../helpers/env.ts';
import { recordId } from '../../../../common/record-id.ts';
import type { WireRecord } from '../../../../common/schema/index.ts';

const exec = promisify(execFile);
const entry = fileURLToPath(new URL('../../../../bin/swarmscope.ts', import.meta.url));

test('dead-letter list shows a refused record with its reason, and replay keeps it while it is still refused', async (t) => {
  const agg = await startTestAggregator();
  t.teardown(async () => {
    await agg.close();
    await deleteIndices(`${agg.indexPrefix}-*`);
  });
  const poison = {
    kind: 'log',
    id: recordId('dl', 1),
    time: new Date().toISOString(),
    node: { id: '', hostname: 'dl' },
    container: { id: 'd'.repeat(64), name: 'dl', image: 'i', labels: {} },
    stream: 'stdout',
    message: 'm',
    origin: { source: 'test', offset: 2 ** 70 },
  } as WireRecord;
  t.deepEqual(await agg.sink.write([poison], 'b1'), { held: 0, setAside: 1 });
  const env = { ...process.env, ...esWriterEnv(agg.indexPrefix) };
  await scanAll(`${agg.indexPrefix}-deadletter`); // refresh
  const list = await exec(process.execPath, [entry, 'dead-letter', 'list'], { env });
  const lines = list.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; errorType: string; record: string });
  t.is(lines.length, 1);
  t.is(lines[0]!.id, poison.id);
  t.is(lines[0]!.errorType, 'document_parsing_exception');
  t.deepEqual(JSON.parse(lines[0]!.record), poison);
  const replay = await exec(process.execPath, [entry, 'dead-letter', 'replay'], { env });
  t.regex(replay.stdout, /replayed 1: 0 now held, 1 refused again/);
  t.is((await scanAll(`${agg.indexPrefix}-deadletter`)).length, 1, 'the entry stays while its cause persists');
});
