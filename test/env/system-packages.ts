// The Debian packages the environment runs on: checked with dpkg-query, and whatever is missing is
// installed in one apt-get call (apt-get update only when the install fails without it).
import { existsSync } from 'node:fs';
import { EnvError } from './env-error.ts';
import { progress } from './paths.ts';
import { tryRun } from './processes.ts';

/** JDKs Elasticsearch 8 runs on, most preferred first; openjdk-17 is installed when none exists. */
export const javaHomes = [
  '/usr/lib/jvm/java-17-openjdk-amd64',
  '/usr/lib/jvm/temurin-25-jdk-amd64',
  '/usr/lib/jvm/temurin-21-jdk-amd64',
];

const requiredPackages = [
  'docker.io', // dockerd 20.10, containerd, runc and the docker CLI
  'busybox-static', // the one-file userland of the workload image
  'prometheus', // prometheus and promtool
  'prometheus-alertmanager',
  'chromium', // driven by playwright-core in the dashboard tests
  'maven', // fetches the Elasticsearch distribution (mvn dependency:get)
  'unzip',
  'openssl', // certificates for the TLS tests (test/helpers/tls-certs.ts)
];

export async function ensureSystemPackages(): Promise<void> {
  const missing = await missingPackages(requiredPackages);
  if (!javaHomes.some((home) => existsSync(home))) missing.push('openjdk-17-jre-headless');
  await installPackages(missing);
}

/** Installs whichever of `names` are missing (benches use it for their peers, e.g. rsyslog). */
export async function ensurePackages(names: readonly string[]): Promise<void> {
  await installPackages(await missingPackages(names));
}

async function installPackages(missing: readonly string[]): Promise<void> {
  if (missing.length === 0) return;
  progress(`installing Debian packages: ${missing.join(' ')}`);
  const firstTry = await aptInstall(missing);
  if (firstTry.code === 0) return;
  progress('apt-get install failed; running apt-get update and trying again');
  await apt(['update']);
  const secondTry = await aptInstall(missing);
  if (secondTry.code !== 0) {
    throw new EnvError(
      'ENV_ERR_PACKAGES',
      `apt-get install ${missing.join(' ')} failed:\n${secondTry.output}`,
      'check the Debian mirror in /etc/apt/sources.list and that this runs as root',
    );
  }
}

async function missingPackages(names: readonly string[]): Promise<string[]> {
  const result = await tryRun('dpkg-query', ['-W', '-f', '${Package} ${Status}\n', ...names]);
  const installed = new Set(
    result.stdout
      .split('\n')
      .filter((line) => line.endsWith(' install ok installed'))
      .map((line) => line.split(' ')[0]),
  );
  return names.filter((name) => !installed.has(name));
}

function aptInstall(names: readonly string[]): Promise<{ code: number; output: string }> {
  return apt(['install', '-y', '--no-install-recommends', ...names]);
}

async function apt(args: readonly string[]): Promise<{ code: number; output: string }> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Waits for a concurrent dpkg (an install already running) instead of failing on its lock.
  const result = await tryRun('apt-get', ['-o', 'DPkg::Lock::Timeout=900', ...args], { env });
  const output = `${result.stdout}\n${result.stderr}`.trimEnd().split('\n').slice(-15).join('\n');
  return { code: result.code, output };
}
