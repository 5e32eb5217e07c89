// Where the test environment keeps things: per-checkout state and downloads under .cache/ (git-ignored),
// daemon data on the machine's own disk under /var/lib, sockets under /run, progress on stderr.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Pid files, logs, configs and generated passwords of the services we start. */
export const stateDir = join(repoRoot, '.cache', 'env');
/** Downloads kept between runs (the Elasticsearch zip). */
export const downloadsDir = join(repoRoot, '.cache', 'downloads');
/** Maven's local repository for the artefacts the environment fetches with mvn (Elasticsearch). */
export const mavenRepoDir = join(repoRoot, '.cache', 'm2');
/** Daemon data on the host's disk: overlay storage inside an overlay-backed checkout can fail. */
export const systemDataDir = '/var/lib/swarmscope-test';
/** Runtime sockets and the Docker exec root (short paths: unix sockets are limited to 107 bytes). */
export const systemRunDir = '/run/swarmscope-test';

export function progress(message: string): void {
  process.stderr.write(`[test-env] ${message}\n`);
}
