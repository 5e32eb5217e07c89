// Where a look puts generations it shows for the first time, and which neighbours it proves adjacent.
import test from 'ava';
import { GenerationChain } from '../../../../collector/sources/container-logs/generation-chain.ts';
import type { Snapshot } from '../../../../collector/sources/container-logs/generation-scan.ts';

/** A look listing `keys` at the positions given (oldest first), as the pinning worker reports it. */
function look(consistent: boolean, ...at: Array<[number, string]>): Snapshot {
  return { positions: at.map(([n, k]) => ({ n, keys: [k] })), consistent, pins: [], disturbed: [] };
}

function observe(chain: GenerationChain, s: Snapshot): void {
  chain.observe(
    s,
    () => undefined,
    () => true,
    () => false,
  );
}

test('a file first seen as the live one is newer than every generation known', (t) => {
  // CI, paced row, the worker on a loaded machine: a look in the middle of a rotation showed only the
  // live file (g4), the next one the new live file (g5) with `.1` missing (g4, being renamed). g5 was
  // put right after g3, before g4: g4 was read after g5 and every generation after it, each time
  // across two unproven boundaries (lines flagged, though nothing was lost).
  const chain = new GenerationChain();
  observe(chain, look(true, [2, 'g1'], [1, 'g2'], [0, 'g3']));
  observe(chain, look(true, [0, 'g4']));
  observe(chain, look(false, [2, 'g3'], [0, 'g5']));
  observe(chain, look(true, [2, 'g3'], [1, 'g4'], [0, 'g5']));
  t.deepEqual(
    chain.order.map((e) => [...e.keys][0]),
    ['g1', 'g2', 'g3', 'g4', 'g5'],
  );
  const [, , g3, g4, g5] = chain.order;
  t.is(g3!.next, g4);
  t.is(g4!.next, g5);
});

test('a file first seen at an older position goes before the known generation listed after it', (t) => {
  const chain = new GenerationChain();
  observe(chain, look(true, [0, 'g2']));
  observe(chain, look(true, [2, 'g1'], [1, 'g2'], [0, 'g3']));
  t.deepEqual(
    chain.order.map((e) => [...e.keys][0]),
    ['g1', 'g2', 'g3'],
  );
});

test('a live file is never a generation let go of, though its key and first entry are that one’s', (t) => {
  // Without birth times a file is named by dev:inode, which the engine's next file can take from a
  // deleted generation; its first entry can be byte-identical (two messages stamped alike). A
  // generation let go of was read to its end as an older one: it is never the live file again.
  const chain = new GenerationChain();
  const fingerprint = () => 'F';
  const held = () => true;
  const gz = () => false;
  chain.observe(look(true, [1, 'k'], [0, 'g2']), fingerprint, held, gz);
  const [old] = chain.order;
  chain.retire(old!);
  chain.observe(look(true, [1, 'g2'], [0, 'k']), fingerprint, held, gz);
  const live = chain.entryOf('k');
  t.truthy(live);
  t.not(live, old);
  t.false(chain.isRetired(live!));
  t.deepEqual(
    chain.order.map((e) => [...e.keys][0]),
    ['g2', 'k'],
  );
});
