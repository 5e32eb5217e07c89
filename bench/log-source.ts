// The collector's log source on its own, for the log benches: the engine under test, a throwaway
// data directory, quiet logging; `add` sees every record it hands on.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerApi } from '../collector/docker-api.ts';
import { ContainerLogs } from '../collector/sources/container-logs/container-logs.ts';
import type { AckHandle } from '../collector/sources/source.ts';
import { createLogger } from '../common/logger.ts';
import type { WireRecord } from '../common/schema/index.ts';
import { dockerHost } from './engine.ts';

export async function startLogSource(opts: {
  selector: string;
  add: (records: WireRecord[]) => void;
  rescanIntervalMs?: number;
  pollIntervalMs?: number;
}): Promise<{ logs: ContainerLogs; close: () => Promise<void> }> {
  const api = new DockerApi(dockerHost);
  await api.negotiate();
  const dataDir = await mkdtemp(join(tmpdir(), 'swarmscope-bench-'));
  const emit = async (records: WireRecord[], ack: AckHandle) => {
    opts.add(records);
    ack.queued?.();
    ack.settled?.();
    return true;
  };
  const logs = new ContainerLogs({
    api,
    dockerRoot: process.env.SWARMSCOPE_DOCKER_ROOT ?? '/var/lib/docker',
    dataDir,
    node: () => ({ id: '', hostname: 'bench' }),
    emit,
    emitEach: (ack) => {
      const records: WireRecord[] = [];
      return { add: (r) => void records.push(r), close: () => emit(records, ack) };
    },
    ready: async () => {},
    log: createLogger({ name: 'bench', level: 'silent' }),
    maxMessageBytes: 1 << 20,
    pollIntervalMs: opts.pollIntervalMs ?? 1000,
    rescanIntervalMs: opts.rescanIntervalMs ?? 250,
    multilineMaxLines: 500,
    multilineFlushMs: 1000,
    selector: opts.selector,
  });
  await logs.start();
  return {
    logs,
    close: async () => {
      await logs.close();
      await api.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
