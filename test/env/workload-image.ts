// The workload image tests run as containers and services: Debian's static busybox with a symlink per
// applet, /etc/hosts, /etc/passwd, /etc/group and /tmp, imported with `docker import` (no registry is
// reachable). Built once per engine; an existing image is kept.
import { chmod, cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { docker } from './docker-engine.ts';
import { engineRequest } from './docker-socket.ts';
import { progress, stateDir } from './paths.ts';
import { run } from './processes.ts';

export const workloadImage = 'swarmscope-workload:latest';
const busybox = '/bin/busybox';

export async function ensureWorkloadImage(engineSocket: string, host: string): Promise<string> {
  const existing = await engineRequest(engineSocket, 'GET', `/images/${workloadImage}/json`);
  if (existing.status === 200) return workloadImage;
  progress(`building ${workloadImage} from ${busybox}`);
  await mkdir(stateDir, { recursive: true });
  const workDir = await mkdtemp(join(stateDir, 'workload-image-'));
  try {
    const rootfs = join(workDir, 'rootfs');
    await buildRootfs(rootfs);
    const tarball = join(workDir, 'rootfs.tar');
    await run('tar', ['--create', '--file', tarball, '--owner=0', '--group=0', '--numeric-owner', '-C', rootfs, '.']);
    await docker(host, [
      'import',
      '--change',
      'CMD ["/bin/sh"]',
      '--change',
      'ENV PATH=/bin:/sbin:/usr/bin:/usr/sbin',
      '--change',
      'LABEL org.opencontainers.image.title=swarmscope-workload',
      tarball,
      workloadImage,
    ]);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  return workloadImage;
}

async function buildRootfs(rootfs: string): Promise<void> {
  for (const dir of ['bin', 'etc', 'usr', 'proc', 'sys', 'dev', 'root', 'var/log', 'run']) {
    await mkdir(join(rootfs, dir), { recursive: true });
  }
  await mkdir(join(rootfs, 'tmp'));
  await chmod(join(rootfs, 'tmp'), 0o1777);
  await cp(busybox, join(rootfs, 'bin', 'busybox'));
  const applets = (await run(busybox, ['--list'])).split('\n').filter((name) => name !== '' && name !== 'busybox');
  await Promise.all(applets.map((applet) => symlink('busybox', join(rootfs, 'bin', applet))));
  await symlink('bin', join(rootfs, 'sbin'));
  await symlink('../bin', join(rootfs, 'usr', 'bin'));
  await symlink('../bin', join(rootfs, 'usr', 'sbin'));
  await writeFile(join(rootfs, 'etc', 'hosts'), '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n');
  await writeFile(
    join(rootfs, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  );
  await writeFile(join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
}
