// Our Prometheus and Alertmanager on loopback, configs and data under .cache/env. Prometheus scrapes
// job `swarmscope` from file_sd target files tests drop into the targets dir, loads rule files tests
// copy into the rules dir (POST /-/reload), and alerts to our Alertmanager. A fresh start is a clean slate.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { choosePort } from './env-state.ts';
import type { EnvState } from './env-state.ts';
import { progress, stateDir } from './paths.ts';
import { livePid, logTail, spawnDaemon, stopProcess, waitFor } from './processes.ts';

export const prometheusDir = join(stateDir, 'prometheus');
export const prometheusTargetsDir = join(prometheusDir, 'targets');
export const prometheusRulesDir = join(prometheusDir, 'rules');
export const alertmanagerDir = join(stateDir, 'alertmanager');
export const alertmanagerConfigFile = join(alertmanagerDir, 'alertmanager.yml');
const prometheusConfigFile = join(prometheusDir, 'prometheus.yml');

type Daemon = {
  name: string;
  binary: string;
  configFile: string;
  pidFile: string;
  logFile: string;
  args: (port: number) => string[];
};

const alertmanager: Daemon = {
  name: 'Alertmanager',
  binary: 'prometheus-alertmanager',
  configFile: alertmanagerConfigFile,
  pidFile: join(stateDir, 'alertmanager.pid'),
  logFile: join(stateDir, 'alertmanager.log'),
  args: (port) => [
    `--config.file=${alertmanagerConfigFile}`,
    `--storage.path=${join(alertmanagerDir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=', // no gossip: a single instance
  ],
};

const prometheus: Daemon = {
  name: 'Prometheus',
  binary: 'prometheus',
  configFile: prometheusConfigFile,
  pidFile: join(stateDir, 'prometheus.pid'),
  logFile: join(stateDir, 'prometheus.log'),
  args: (port) => [
    `--config.file=${prometheusConfigFile}`,
    `--storage.tsdb.path=${join(prometheusDir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-lifecycle', // POST /-/reload after tests change rules or targets
    '--web.enable-admin-api', // tests may delete series between cases
  ],
};

export type MonitoringName = 'prometheus' | 'alertmanager';
export type MonitoringEndpoints = { prometheusUrl: string; alertmanagerUrl: string; started: MonitoringName[] };

/** Starts Alertmanager, then Prometheus pointed at it, unless they run; reports which it started. */
export async function ensureMonitoring(state: EnvState): Promise<MonitoringEndpoints> {
  const started: MonitoringName[] = [];
  if (!(await isRunning(alertmanager, state.ports.alertmanager))) {
    const previousPort = state.ports.alertmanager;
    state.ports.alertmanager = await choosePort(previousPort ?? 9093);
    // A running Prometheus still alerts to the old port: it is restarted below.
    if (state.ports.alertmanager !== previousPort) await stopMonitoring(['prometheus']);
    await freshAlertmanagerFiles();
    await startDaemon(alertmanager, state.ports.alertmanager);
    started.push('alertmanager');
  }
  if (!(await isRunning(prometheus, state.ports.prometheus))) {
    state.ports.prometheus = await choosePort(state.ports.prometheus ?? 9090);
    await freshPrometheusFiles(state.ports.alertmanager);
    await startDaemon(prometheus, state.ports.prometheus);
    started.push('prometheus');
  }
  const prometheusUrl = `http://127.0.0.1:${state.ports.prometheus}`;
  const alertmanagerUrl = `http://127.0.0.1:${state.ports.alertmanager}`;
  await Promise.all([waitReady(alertmanager, alertmanagerUrl), waitReady(prometheus, prometheusUrl)]);
  return { prometheusUrl, alertmanagerUrl, started };
}

async function isRunning(daemon: Daemon, port: number | undefined): Promise<boolean> {
  const pid = await livePid(daemon.pidFile, daemon.configFile);
  if (pid !== undefined && port === undefined) await stopProcess(pid, 10_000); // its port was forgotten
  return pid !== undefined && port !== undefined;
}

async function freshAlertmanagerFiles(): Promise<void> {
  await rm(join(alertmanagerDir, 'data'), { recursive: true, force: true });
  await mkdir(join(alertmanagerDir, 'data'), { recursive: true });
  // Tests may overwrite this file and POST /-/reload; each fresh start puts the default back.
  await writeFile(
    alertmanagerConfigFile,
    [
      '# Written by test/env/prometheus.ts; tests may replace it and POST /-/reload.',
      'route:',
      '  receiver: default',
      '  group_wait: 1s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: default',
      '',
    ].join('\n'),
  );
}

async function freshPrometheusFiles(alertmanagerPort: number | undefined): Promise<void> {
  for (const dir of [join(prometheusDir, 'data'), prometheusTargetsDir, prometheusRulesDir]) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
  }
  await writeFile(
    prometheusConfigFile,
    [
      '# Written by test/env/prometheus.ts at each fresh start.',
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      '  evaluation_interval: 1s',
      'rule_files:',
      `  - ${join(prometheusRulesDir, '*.yml')}`,
      'alerting:',
      '  alertmanagers:',
      '    - static_configs:',
      `        - targets: ['127.0.0.1:${alertmanagerPort}']`,
      'scrape_configs:',
      '  - job_name: swarmscope',
      // As the shipped scrape config: series keep their own instance (their node), so joins on(instance) work.
      '    honor_labels: true',
      '    file_sd_configs:',
      `      - files: ['${join(prometheusTargetsDir, '*.json')}']`,
      '        refresh_interval: 1s',
      '',
    ].join('\n'),
  );
}

async function startDaemon(daemon: Daemon, port: number): Promise<void> {
  progress(`starting ${daemon.name} on 127.0.0.1:${port} (log ${daemon.logFile})`);
  await writeFile(daemon.logFile, '');
  const pid = spawnDaemon(daemon.binary, daemon.args(port), { logFile: daemon.logFile, cwd: stateDir });
  await writeFile(daemon.pidFile, `${pid}\n`);
}

async function waitReady(daemon: Daemon, url: string): Promise<void> {
  await waitFor(
    `${daemon.name} ${url}/-/ready`,
    async () => ((await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) })).ok ? true : undefined),
    {
      timeoutMs: 60_000,
      remedy: `read ${daemon.logFile}`,
      giveUpIf: async () =>
        (await livePid(daemon.pidFile, daemon.configFile)) === undefined
          ? `${daemon.name} exited:\n${await logTail(daemon.logFile)}`
          : undefined,
    },
  );
}

/** Stops those of `names` that run (Prometheus first); returns the names it stopped. */
export async function stopMonitoring(names: readonly MonitoringName[]): Promise<MonitoringName[]> {
  const stopped: MonitoringName[] = [];
  for (const [name, daemon] of [
    ['prometheus', prometheus],
    ['alertmanager', alertmanager],
  ] as const) {
    if (!names.includes(name)) continue;
    const pid = await livePid(daemon.pidFile, daemon.configFile);
    if (pid === undefined) continue;
    progress(`stopping ${daemon.name}`);
    await stopProcess(pid, 30_000);
    stopped.push(name);
  }
  return stopped;
}
