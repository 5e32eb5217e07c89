// The replica set: rendezvous ordering (even spread, minimal movement when a replica leaves or
// joins) and discovery from static URLs and DNS (re-resolved, a failed resolution keeps the set).
import test from 'ava';
import {
  ReplicaSet,
  entryProblems,
  findSelf,
  ownerOf,
  parseEntries,
  rendezvousOrder,
} from '../../common/replica-set.ts';

const three = ['http://127.0.0.1:9281', 'http://127.0.0.1:9282', 'http://127.0.0.1:9283'];
const keys = Array.from({ length: 3000 }, (_, i) => `node-${i.toString(36)}-id`);

test('each key orders every member once, its owner first, the same in every call', (t) => {
  for (const k of keys.slice(0, 50)) {
    const order = rendezvousOrder(k, three);
    t.deepEqual([...order].sort(), three);
    t.is(order[0], ownerOf(k, three));
    t.deepEqual(rendezvousOrder(k, [...three].reverse()), order, 'the order does not depend on the listing order');
  }
});

test('three replicas own about a third of the keys each', (t) => {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(ownerOf(k, three)!, (counts.get(ownerOf(k, three)!) ?? 0) + 1);
  for (const m of three) {
    const share = (counts.get(m) ?? 0) / keys.length;
    t.true(share > 0.28 && share < 0.39, `${m} owns ${(share * 100).toFixed(1)} %`);
  }
});

test('when a replica leaves only its keys move, each to the next in its order', (t) => {
  const gone = three[1]!;
  const left = three.filter((m) => m !== gone);
  for (const k of keys) {
    const before = rendezvousOrder(k, three);
    const after = ownerOf(k, left);
    if (before[0] !== gone) t.is(after, before[0]);
    else t.is(after, before[1]);
  }
});

test('when a replica joins it takes about 1/N of the keys and no key moves between the others', (t) => {
  const four = [...three, 'http://127.0.0.1:9284'];
  let moved = 0;
  for (const k of keys) {
    const before = ownerOf(k, three);
    const after = ownerOf(k, four);
    if (before !== after) {
      moved++;
      t.is(after, four[3]);
    }
  }
  t.true(moved / keys.length > 0.2 && moved / keys.length < 0.3, `${moved} of ${keys.length} moved`);
});

test('static entries are members from the start; DNS entries are resolved again and a failure keeps the set', async (t) => {
  let answer: string[] | Error = ['10.0.0.7', '10.0.0.5'];
  const set = new ReplicaSet({
    entries: ['dns+http://tasks.aggregator:9280', 'http://static:9280'],
    resolveHost: async (host) => {
      t.is(host, 'tasks.aggregator');
      if (answer instanceof Error) throw answer;
      return answer;
    },
    onError: () => undefined,
  });
  t.deepEqual(set.members(), ['http://static:9280']);
  const seen: string[][] = [];
  set.onChange((m) => seen.push([...m]));
  await set.start();
  t.deepEqual(set.members(), ['http://10.0.0.5:9280', 'http://10.0.0.7:9280', 'http://static:9280']);
  answer = new Error('SERVFAIL');
  await set.refresh();
  t.deepEqual(set.members(), ['http://10.0.0.5:9280', 'http://10.0.0.7:9280', 'http://static:9280']);
  answer = ['10.0.0.5', '10.0.0.9'];
  await set.refresh();
  t.deepEqual(set.members(), ['http://10.0.0.5:9280', 'http://10.0.0.9:9280', 'http://static:9280']);
  t.is(seen.length, 2);
  t.is(set.orderFor('n1')[0], ownerOf('n1', set.members()));
  set.close();
});

test('a dns+ entry is resolved by the system resolver (localhost is loopback)', async (t) => {
  const set = new ReplicaSet({ entries: ['dns+http://localhost:9280'] });
  await set.start();
  t.true(set.members().length >= 1);
  for (const m of set.members()) t.regex(m, /^http:\/\/(127\.0\.0\.1|\[::1\]):9280$/);
  set.close();
});

test('entries are parsed and checked; a replica finds itself by address and port', (t) => {
  t.deepEqual(parseEntries(' http://a:1/, dns+http://tasks.x:2 ,'), ['http://a:1', 'dns+http://tasks.x:2']);
  t.deepEqual(entryProblems(['http://a:1', 'dns+http://tasks.x:2']), []);
  t.is(entryProblems(['dns+http://tasks.x', 'nope']).length, 2);
  t.is(findSelf(three, 9282, ['127.0.0.1']), 'http://127.0.0.1:9282');
  t.is(
    findSelf(['http://10.0.0.5:9280', 'http://10.0.0.7:9280'], 9280, ['127.0.0.1', '10.0.0.7']),
    'http://10.0.0.7:9280',
  );
  t.is(findSelf(three, 9999, ['127.0.0.1']), undefined);
});
