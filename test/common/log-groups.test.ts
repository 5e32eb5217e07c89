import test from 'ava';
import { LogGroups } from '../../common/log-groups.ts';
import type { FileLog } from '../../common/wire-v2.ts';

const node = { id: 'n1', hostname: 'h1' };
const container = { id: 'c'.repeat(64), name: 'web', image: 'web:1', labels: {} };
const line = (over: Partial<FileLog> = {}, origin: Partial<FileLog['origin']> = {}): FileLog => ({
  kind: 'log',
  id: 'abcdefgh',
  time: '2026-12-01T00:00:00Z',
  node,
  container,
  stream: 'stdout',
  message: 'm',
  ...over,
  origin: { source: 'json-file', file: '/f', offset: 0, ...origin },
});

test('a group is one container and node object, stream, source and file; what is kept for it comes back', (t) => {
  const groups = new LogGroups<number | false>();
  t.is(groups.get(line()), undefined);
  t.is(groups.set(line(), 0), 0);
  // Another line of the group (another offset, id, message): the same value, 0 included.
  t.is(groups.get(line({ id: 'other-id', message: 'x' }, { offset: 99 })), 0);
  groups.set(line({ stream: 'stderr' }), false);
  t.is(groups.get(line({ stream: 'stderr' })), false, 'false is a value kept, not a missing one');
  // Each differing part makes another group, still without a value.
  for (const other of [
    line({ node: { ...node } }),
    line({ container: { ...container } }),
    line({}, { file: '/g' }),
    line({}, { source: 'api' }),
  ])
    t.is(groups.get(other), undefined);
});
