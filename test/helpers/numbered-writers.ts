// Real containers (the busybox workload image, no network) that write numbered lines 1..N on
// stdout at a steady rate and then exit: the ground truth for log-delivery oracles. The rate is
// paced by /proc/uptime (centiseconds) with one `seq` burst per 20 ms tick, so it does not drift
// with a busy CPU: a tick that runs late writes what it owes.
import { removeContainers, runContainer } from './docker.ts';

const SCRIPT = `R=$1; N=$2
read up x < /proc/uptime; s=\${up%.*}\${up#*.}; i=0
while [ $i -lt $N ]; do
  read up x < /proc/uptime; t=$(( (\${up%.*}\${up#*.} - s) * R / 100 ))
  [ $t -gt $N ] && t=$N
  if [ $t -gt $i ]; then seq $((i+1)) $t; i=$t; fi
  usleep 20000
done`;

export type NumberedWriter = { id: string; name: string; lines: number };

/** `containers` writers sharing `rate` lines/s for `seconds`; each carries `labels` (e.g. a collector selector). */
export async function startNumberedWriters(opts: {
  run: string;
  containers: number;
  rate: number;
  seconds: number;
  labels: string[];
}): Promise<{ writers: NumberedWriter[]; remove: () => Promise<void> }> {
  const each = Math.max(1, Math.round(opts.rate / opts.containers));
  const lines = Math.round(each * opts.seconds);
  const writers = await Promise.all(
    Array.from({ length: opts.containers }, async (_, i) => {
      const name = `ss-num-${opts.run}-${i}`;
      const id = await runContainer(
        ['--name', name, ...opts.labels.flatMap((l) => ['--label', l])],
        ['sh', '-c', SCRIPT, 'numbered', String(each), String(lines)],
      );
      return { id, name, lines };
    }),
  );
  return { writers, remove: () => removeContainers(writers.map((w) => w.id)) };
}
