// The collector's liveness mark: the sampling loop touches a file in the data dir after every round,
// and the container health check (bin/healthcheck.ts) reads its age. Owns nothing else.
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const HEARTBEAT_FILE = 'heartbeat';

export function heartbeatPath(dataDir: string): string {
  return join(dataDir, HEARTBEAT_FILE);
}

/** Records that a sampling round finished; a failed write is only counted (the data dir may be full). */
export async function beat(dataDir: string, time: Date): Promise<boolean> {
  try {
    await writeFile(heartbeatPath(dataDir), `${time.toISOString()}\n`);
    return true;
  } catch {
    return false;
  }
}

/** Milliseconds since the last round finished, or undefined when no round has finished yet. */
export async function heartbeatAgeMs(dataDir: string, now = Date.now()): Promise<number | undefined> {
  try {
    return now - (await stat(heartbeatPath(dataDir))).mtimeMs;
  } catch {
    return undefined;
  }
}
