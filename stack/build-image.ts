#!/usr/bin/env node
// Builds the swarmscope image where no image registry is reachable: the Dockerfile's base image
// (node:<version>-bookworm-slim) is made locally from this machine's Node runtime, its shared
// libraries, npm and a static busybox, and imported under the very name the Dockerfile uses; then
// `docker build --network host` runs stack/Dockerfile unchanged (its npm ci reaches the npm registry
// through the host's network). On a machine that can pull, `docker build` alone does the same job.
//
//   node stack/build-image.ts [--tag swarmscope:0.1.0]      (DOCKER_HOST picks the engine)
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  realpath,
  rm,
  symlink,
  writeFile,
  cp,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const dockerfile = join(repoRoot, 'stack', 'Dockerfile');
/** What the image's COPY lines take from the repository (kept in step with .dockerignore). */
const contextPaths = [
  'package.json',
  'package-lock.json',
  'common',
  'collector',
  'aggregator',
  'bin',
  'stack/compile.ts',
];
const busybox = '/bin/busybox';
const npmDir = '/usr/lib/node_modules/npm';

export type BuildOptions = { dockerHost?: string; tag?: string; log?: (line: string) => void };

async function docker(host: string | undefined, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout } = await exec('docker', args, {
      env: { ...process.env, ...(host ? { DOCKER_HOST: host } : {}), ...env },
      maxBuffer: 256 * 1024 * 1024,
      timeout: 900_000,
    });
    return stdout.trim();
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(
      `docker ${args.slice(0, 3).join(' ')} … failed: ${(e.stderr || e.stdout || e.message).trim().split('\n').slice(-15).join('\n')}`,
    );
  }
}

/** The base image the Dockerfile names (its NODE_IMAGE default). */
export async function baseImageName(): Promise<string> {
  const m = /^ARG NODE_IMAGE=(\S+)$/m.exec(await readFile(dockerfile, 'utf8'));
  if (!m) throw new Error(`${dockerfile} has no ARG NODE_IMAGE=<image> line`);
  return m[1]!;
}

export async function projectTag(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  return `swarmscope:${pkg.version}`;
}

async function imageLabel(host: string | undefined, image: string, label: string): Promise<string | undefined> {
  try {
    const out = await docker(host, ['image', 'inspect', '--format', `{{ index .Config.Labels "${label}" }}`, image]);
    return out === '<no value>' ? '' : out;
  } catch {
    return undefined; // no such image
  }
}

/** The real Node binary behind node_modules/.bin/node (the npm `node` package pins the runtime). */
async function nodeBinary(): Promise<{ path: string; version: string }> {
  const path = await realpath(join(repoRoot, 'node_modules', '.bin', 'node')).catch(() => process.execPath);
  const { stdout } = await exec(path, ['--version']);
  return { path, version: stdout.trim().replace(/^v/, '') };
}

/** The shared libraries a binary links, as absolute paths (ldd). */
async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await exec('ldd', [binary]);
  const libs: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]!);
  }
  return libs;
}

/** Makes `name` from the local runtime unless the engine has it; refuses a name whose version differs. */
export async function ensureBaseImage(opts: BuildOptions = {}): Promise<string> {
  const name = await baseImageName();
  if ((await imageLabel(opts.dockerHost, name, 'org.opencontainers.image.title')) !== undefined) return name;
  const node = await nodeBinary();
  const wanted = /^node:(\d+\.\d+\.\d+)/.exec(name)?.[1];
  if (wanted !== node.version)
    throw new Error(
      `the Dockerfile wants ${name} but the local Node runtime is v${node.version}: a locally made base image must carry the version its name says`,
    );
  opts.log?.(`making ${name} from ${node.path} (v${node.version}) and its shared libraries`);
  const work = await mkdtemp(join(tmpdir(), 'swarmscope-base-'));
  try {
    const root = join(work, 'rootfs');
    for (const dir of [
      'bin',
      'etc',
      'usr/local/bin',
      'usr/local/lib/node_modules',
      'proc',
      'sys',
      'dev',
      'run',
      'var/lib',
      'root',
      'home/node',
    ])
      await mkdir(join(root, dir), { recursive: true });
    await mkdir(join(root, 'tmp'));
    await chmod(join(root, 'tmp'), 0o1777);
    await copyFile(node.path, join(root, 'usr/local/bin/node'));
    for (const lib of await sharedLibraries(node.path)) {
      await mkdir(join(root, dirname(lib)), { recursive: true });
      await copyFile(await realpath(lib), join(root, lib)); // the file itself, under the name the loader asks for
    }
    await cp(npmDir, join(root, 'usr/local/lib/node_modules/npm'), { recursive: true, dereference: true });
    await symlink('../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr/local/bin/npm'));
    await symlink('../lib/node_modules/npm/bin/npx-cli.js', join(root, 'usr/local/bin/npx'));
    // A shell and the coreutils RUN lines use (the official image has Debian's; busybox stands in).
    await copyFile(busybox, join(root, 'bin/busybox'));
    const { stdout } = await exec(busybox, ['--list']);
    for (const applet of stdout.split('\n').filter((a) => a && a !== 'busybox'))
      await symlink('busybox', join(root, 'bin', applet));
    await mkdir(join(root, 'usr/bin'));
    await symlink('../../bin/busybox', join(root, 'usr/bin/env')); // npm's `#!/usr/bin/env node`
    await writeFile(
      join(root, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
    );
    await writeFile(join(root, 'etc/group'), 'root:x:0:\nnode:x:1000:\nnogroup:x:65534:\n');
    await writeFile(join(root, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n');
    await writeFile(join(root, 'etc/hosts'), '127.0.0.1\tlocalhost\n');
    await exec('chown', ['-R', '1000:1000', join(root, 'home/node')]);
    const tarball = join(work, 'rootfs.tar');
    await exec('tar', ['--create', '--file', tarball, '--numeric-owner', '-C', root, '.'], {
      maxBuffer: 16 * 1024 * 1024,
    });
    await docker(opts.dockerHost, [
      'import',
      '--change',
      'ENV PATH=/usr/local/bin:/usr/bin:/bin',
      '--change',
      `ENV NODE_VERSION=${node.version}`,
      '--change',
      'CMD ["node"]',
      '--change',
      'LABEL org.opencontainers.image.title=node-local-standin',
      '--change',
      `LABEL org.opencontainers.image.description="made by stack/build-image.ts from the local Node v${node.version} runtime"`,
      tarball,
      name,
    ]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return name;
}

async function* walk(path: string): AsyncGenerator<string> {
  const entries = await readdir(path, { withFileTypes: true }).catch(() => undefined);
  if (!entries) {
    yield path;
    return;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) yield* walk(join(path, e.name));
}

/** A digest of the build context plus the Dockerfile: an image carrying it need not be rebuilt. */
export async function sourceDigest(): Promise<string> {
  const hash = createHash('sha256').update(await readFile(dockerfile));
  for (const top of contextPaths) {
    for await (const file of walk(join(repoRoot, top)))
      hash
        .update(relative(repoRoot, file))
        .update('\0')
        .update(await readFile(file))
        .update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * CAs this machine added to its trust store (Debian's /usr/local/share/ca-certificates, or the file
 * SWARMSCOPE_BUILD_CA_FILE names): a TLS-intercepting proxy's CA, which npm ci in the build needs.
 */
async function localCaBundle(): Promise<string | undefined> {
  const explicit = process.env.SWARMSCOPE_BUILD_CA_FILE;
  if (explicit) return (await readFile(explicit, 'utf8')).trim();
  const dir = '/usr/local/share/ca-certificates';
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.crt')).sort();
  const pems = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
  return pems.length ? pems.map((p) => p.trim()).join('\n') : undefined;
}

/** Builds the project image (skipped when the engine already has it from identical sources). */
export async function buildProjectImage(opts: BuildOptions = {}): Promise<string> {
  const tag = opts.tag ?? (await projectTag());
  const digest = await sourceDigest();
  if ((await imageLabel(opts.dockerHost, tag, 'swarmscope.source-digest')) === digest) return tag;
  await ensureBaseImage(opts);
  opts.log?.(`building ${tag} from ${relative(repoRoot, dockerfile)}`);
  // The classic builder: this engine's CLI has no buildx; BuildKit users get the same result.
  const ca = await localCaBundle();
  await docker(
    opts.dockerHost,
    [
      'build',
      '--network',
      'host',
      ...(ca ? ['--build-arg', `NPM_EXTRA_CA=${ca}`] : []),
      '--label',
      `swarmscope.source-digest=${digest}`,
      '-f',
      dockerfile,
      '-t',
      tag,
      repoRoot,
    ],
    { DOCKER_BUILDKIT: '0' },
  );
  return tag;
}

if (process.argv[1] && (await realpath(process.argv[1])) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--tag');
  const tag = i > 0 ? process.argv[i + 1] : undefined;
  buildProjectImage({ tag, log: (line) => process.stderr.write(`[build-image] ${line}\n`) }).then(
    (t) => process.stdout.write(`${t}\n`),
    (err: Error) => {
      process.stderr.write(`build-image: ${err.message}\n`);
      process.exit(1);
    },
  );
}
