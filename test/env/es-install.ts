// Installs Elastic's integ-test distribution of Elasticsearch, fetched like any other artefact with
// Maven's own client into a local repository under .cache/m2 (checksums verified strictly by Maven),
// an unprivileged system user (ES refuses root),
// the unpacked home under /var/lib, our settings, and file-based users and roles (this distribution
// cannot create the .security index the role and user APIs need). Running it is elasticsearch.ts.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EnvError } from './env-error.ts';
import { mavenRepoDir, progress, systemDataDir } from './paths.ts';
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
/** groupId:artifactId:version:packaging, as Maven names it. */
const artifact = `org.elasticsearch.distribution.integ-test-zip:elasticsearch:${esVersion}:zip`;
const zipPath = join(mavenRepoDir, 'org/elasticsearch/distribution/integ-test-zip/elasticsearch', esVersion, zipName);
/** Pinned so a fresh machine resolves the same plugin. */
const dependencyPlugin = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';
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

/** `mvn dependency:get` into the project's own local repository; Maven checks the checksums. */
async function downloadZip(): Promise<string> {
  if (existsSync(zipPath)) return zipPath;
  progress(`fetching ${artifact} with mvn into ${mavenRepoDir}`);
  await mkdir(mavenRepoDir, { recursive: true });
  try {
    await run(
      'mvn',
      [
        '--batch-mode',
        '--quiet',
        '--strict-checksums',
        `-Dmaven.repo.local=${mavenRepoDir}`,
        `${dependencyPlugin}:get`,
        `-Dartifact=${artifact}`,
        '-Dtransitive=false',
      ],
      {},
      `check that Maven Central is reachable (mvn's settings), or install ${zipName} into ${mavenRepoDir} with mvn install:install-file`,
    );
  } catch (err) {
    throw new EnvError(
      'ENV_ERR_ES_DOWNLOAD',
      `mvn could not fetch ${artifact}: ${(err as Error).message}`,
      'see above',
    );
  }
  if (!existsSync(zipPath)) throw new EnvError('ENV_ERR_ES_DOWNLOAD', `mvn left no ${zipPath}`, 'run again');
  return zipPath;
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
  await writeFile(join(esHome, installedMarker), `${artifact}\n`);
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
