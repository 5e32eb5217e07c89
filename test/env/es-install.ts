// Installs Elastic's integ-test distribution of Elasticsearch from Maven Central: the zip (cached in
// .cache/downloads and checked against Maven's SHA-1), an unprivileged system user (ES refuses root),
// the unpacked home under /var/lib, our settings, and file-based users and roles (this distribution
// cannot create the .security index the role and user APIs need). Running it is elasticsearch.ts.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chown, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EnvError } from './env-error.ts';
import { downloadsDir, progress, systemDataDir } from './paths.ts';
import { run, tryRun } from './processes.ts';
import { javaHomes } from './system-packages.ts';

export const esVersion = '8.19.21';
export const esHome = join(systemDataDir, `es-${esVersion}`);
export const esAdminUsername = 'swarmscope_admin';
export const esWriterUsername = 'swarmscope_writer';
export const writerRoleName = 'swarmscope_writer';
/** What the aggregator needs: install templates, create/read/delete its own indices, bulk-create docs. */
export const writerRole = {
  cluster: ['monitor', 'manage_index_templates'],
  indices: [
    {
      names: ['swarmscope-*'],
      privileges: ['create_index', 'create_doc', 'write', 'read', 'view_index_metadata', 'delete_index', 'manage'],
    },
  ],
};
export const esClusterName = 'swarmscope-test';
const esUser = 'swarmscope-es';
const zipName = `elasticsearch-${esVersion}.zip`;
const zipUrl = `https://repo.maven.apache.org/maven2/org/elasticsearch/distribution/integ-test-zip/elasticsearch/${esVersion}/${zipName}`;
const installedMarker = '.swarmscope-installed';
const usersMarker = join(esHome, 'config', '.swarmscope-users');

export type EsAccount = { uid: number; gid: number };
export type EsPasswords = { admin: string; writer: string };

/** Makes sure the distribution is unpacked, owned by its user, and knows our users and passwords. */
export async function installElasticsearch(passwords: EsPasswords): Promise<EsAccount> {
  const account = await ensureSystemUser();
  if (!existsSync(join(esHome, installedMarker))) await unpack(await downloadZip(), account);
  await ensureEsUsers(passwords, account);
  return account;
}

/** The environment ES commands run with: no inherited JAVA_OPTS, a JDK it supports. */
export function esEnv(): NodeJS.ProcessEnv {
  const javaHome = javaHomes.find((home) => existsSync(home));
  if (javaHome === undefined) {
    throw new EnvError(
      'ENV_ERR_ES_START',
      `no JDK found in ${javaHomes.join(', ')}`,
      'apt-get install openjdk-17-jre-headless',
    );
  }
  return { PATH: process.env.PATH, HOME: esHome, LANG: 'C.UTF-8', ES_JAVA_HOME: javaHome };
}

/** Writes elasticsearch.yml, roles.yml and the heap options: single node, loopback, security on, plain HTTP. */
export async function writeEsConfig(httpPort: number, account: EsAccount): Promise<void> {
  const settings: Record<string, string | number | boolean> = {
    'cluster.name': esClusterName,
    'node.name': 'swarmscope-test-es',
    'discovery.type': 'single-node',
    'network.host': '127.0.0.1',
    'http.port': httpPort,
    'xpack.security.enabled': true,
    'xpack.security.http.ssl.enabled': false,
    'xpack.security.transport.ssl.enabled': false,
    'cluster.routing.allocation.disk.threshold_enabled': false,
    'action.destructive_requires_name': false,
  };
  const yaml = Object.entries(settings)
    .map(([key, value]) => `${key}: ${value}`)
    .join('\n');
  await writeOwned(
    join(esHome, 'config', 'elasticsearch.yml'),
    `# Written by test/env/es-install.ts\n${yaml}\n`,
    account,
  );
  await writeOwned(join(esHome, 'config', 'jvm.options.d', 'swarmscope.options'), '-Xms512m\n-Xmx512m\n', account);
  // JSON is YAML: the role exactly as the security API would take it.
  await writeOwned(join(esHome, 'config', 'roles.yml'), `${writerRoleName}: ${JSON.stringify(writerRole)}\n`, account);
}

async function writeOwned(file: string, text: string, account: EsAccount): Promise<void> {
  await writeFile(file, text);
  await chown(file, account.uid, account.gid);
}

async function ensureSystemUser(): Promise<EsAccount> {
  if ((await tryRun('id', ['-u', esUser])).code !== 0) {
    await run('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      esHome,
      '--shell',
      '/usr/sbin/nologin',
      esUser,
    ]);
  }
  const uid = Number((await run('id', ['-u', esUser])).trim());
  const gid = Number((await run('id', ['-g', esUser])).trim());
  return { uid, gid };
}

async function downloadZip(): Promise<string> {
  const zip = join(downloadsDir, zipName);
  if (!existsSync(zip)) {
    progress(`downloading ${zipUrl}`);
    await mkdir(downloadsDir, { recursive: true });
    await curl(zipUrl, `${zip}.part`);
    await rename(`${zip}.part`, zip);
  }
  await verifySha1(zip);
  return zip;
}

function curl(url: string, output: string): Promise<string> {
  const args = ['--fail', '--location', '--silent', '--show-error', '--retry', '3', '--output', output, url];
  return run('curl', args, {}, `check that Maven Central is reachable, or put ${zipName} into ${downloadsDir}`);
}

async function verifySha1(zip: string): Promise<void> {
  const sha1File = `${zip}.sha1`;
  if (!existsSync(sha1File)) {
    await curl(`${zipUrl}.sha1`, `${sha1File}.part`);
    await rename(`${sha1File}.part`, sha1File);
  }
  const expected = (await readFile(sha1File, 'utf8')).trim().split(/\s+/)[0];
  const actual = await sha1Of(zip);
  if (actual !== expected) {
    await rm(zip, { force: true });
    throw new EnvError(
      'ENV_ERR_ES_DOWNLOAD',
      `${zip} has SHA-1 ${actual}, Maven Central says ${expected}; the file was deleted`,
      'run the command again to download it afresh',
    );
  }
}

async function sha1Of(file: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function unpack(zip: string, account: EsAccount): Promise<void> {
  progress(`unpacking ${zipName} into ${esHome}`);
  const staging = `${esHome}.unpacking`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await run('unzip', ['-q', zip, '-d', staging]);
  await rm(esHome, { recursive: true, force: true });
  await rename(join(staging, `elasticsearch-${esVersion}`), esHome);
  await rm(staging, { recursive: true, force: true });
  await run('chown', ['-R', `${account.uid}:${account.gid}`, esHome]);
  await writeFile(join(esHome, installedMarker), `${zipUrl}\n`);
}

/** Puts the admin (superuser) and the writer into the file realm; redone only when a password changed. */
async function ensureEsUsers(passwords: EsPasswords, account: EsAccount): Promise<void> {
  const fingerprint = createHash('sha256').update(JSON.stringify(passwords)).digest('hex');
  if ((await readFile(usersMarker, 'utf8').catch(() => '')) === fingerprint) return;
  const tool = join(esHome, 'bin', 'elasticsearch-users');
  const options = { uid: account.uid, gid: account.gid, env: esEnv(), cwd: esHome };
  const users = [
    [esAdminUsername, passwords.admin, 'superuser'],
    [esWriterUsername, passwords.writer, writerRoleName],
  ] as const;
  const usersFile = await readFile(join(esHome, 'config', 'users'), 'utf8');
  for (const [username, password, role] of users) {
    if (usersFile.split('\n').some((line) => line.startsWith(`${username}:`)))
      await run(tool, ['userdel', username], options);
    await run(
      tool,
      ['useradd', username, '-p', password, '-r', role],
      options,
      `check ${esHome}/config/users is writable by ${esUser}`,
    );
  }
  await writeFile(usersMarker, fingerprint, { mode: 0o600 });
}
