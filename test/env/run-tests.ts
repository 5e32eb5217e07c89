// `npm test`: brings the test environment up, runs the typecheck, lint and dashboard check (one test
// each) and the ava suite (TAP, streamed) against it, stops what this run started, and ends with the
// line `N passed, N failed`. Extra arguments go to ava: `npm test -- test/aggregator/*.test.ts`.
// A stalled or overlong ava run is stopped (with every process it started) and counted as a
// failure naming the files that never reported, so a hang ends the run instead of outliving CI.
import { spawn } from 'node:child_process';
import { existsSync, globSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { toEnvVars } from './env-vars.ts';
import { repoRoot } from './paths.ts';
import { ensureEnvSession, stopEnv } from './services.ts';
import type { ServiceName } from './services.ts';

type Tally = { passed: number; failed: number };
type Step = { name: string; command: string; args: string[] };

const bin = join(repoRoot, 'node_modules', '.bin');
const interrupt: { requested: boolean; avaPid?: number } = { requested: false };
const MINUTE = 60_000;
/** No TAP line for this long means the suite is stuck; longer than any test's own `t.timeout`. */
const STALL_MS = minutesFrom('SWARMSCOPE_TEST_STALL_MINUTES', 12) * MINUTE;
/** The whole ava run: a bound for a run that keeps reporting but never ends, well above its usual 12 min. */
const BUDGET_MS = minutesFrom('SWARMSCOPE_TEST_BUDGET_MINUTES', 40) * MINUTE;

function minutesFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${raw}: give a positive number of minutes`);
  return n;
}

async function main(avaArgs: readonly string[]): Promise<Tally> {
  const tally: Tally = { passed: 0, failed: 0 };
  const started: ServiceName[] = [];
  try {
    const env = await ensureEnvSession(started);
    const childEnv = {
      ...process.env,
      ...toEnvVars(env),
      PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    };
    for (const step of checkSteps()) {
      if (!interrupt.requested) count(tally, step.name, (await runStep(step, childEnv)) === 0);
    }
    if (!interrupt.requested) await runAva(avaArgs, childEnv, tally);
    if (interrupt.requested) count(tally, 'the run was not interrupted', false);
  } catch (error) {
    process.stderr.write(`[test-env] ${error instanceof Error ? error.message : String(error)}\n`);
    count(tally, 'the test environment comes up', false);
  } finally {
    await teardown(started, tally);
  }
  return tally;
}

function checkSteps(): Step[] {
  const steps: Step[] = [
    { name: 'typecheck (tsc --noEmit)', command: join(bin, 'tsc'), args: ['--noEmit'] },
    {
      name: 'typecheck the UI (tsc --noEmit -p ui/src)',
      command: join(bin, 'tsc'),
      args: ['--noEmit', '-p', 'ui/src'],
    },
    { name: 'lint (eslint .)', command: join(bin, 'eslint'), args: ['.'] },
    { name: 'formatted (prettier --check)', command: join(bin, 'prettier'), args: ['--check', '**/*.ts'] },
  ];
  if (existsSync(join(repoRoot, 'dashboards', 'build.ts'))) {
    steps.push({
      name: 'generated dashboards are current (dashboards/build.ts --check)',
      command: process.execPath,
      args: ['dashboards/build.ts', '--check'],
    });
  }
  if (existsSync(join(repoRoot, 'ui', 'build.ts'))) {
    steps.push({
      name: 'built UI assets are current (ui/build.ts --check)',
      command: process.execPath,
      args: ['ui/build.ts', '--check'],
    });
  }
  return steps;
}

function count(tally: Tally, name: string, ok: boolean): void {
  if (ok) tally.passed += 1;
  else tally.failed += 1;
  process.stdout.write(`${ok ? 'ok' : 'not ok'} - ${name}\n`);
}

function runStep(step: Step, env: NodeJS.ProcessEnv): Promise<number> {
  process.stdout.write(`# ${step.name}\n`);
  const child = spawn(step.command, step.args, { cwd: repoRoot, env, stdio: 'inherit' });
  return exitCodeOf(child);
}

/**
 * Streams ava's TAP to stdout and counts its results; `# SKIP` and `# TODO` lines count as neither.
 * ava runs in its own process group so that a stopped run takes its workers' children with it.
 */
async function runAva(avaArgs: readonly string[], env: NodeJS.ProcessEnv, tally: Tally): Promise<void> {
  const child = spawn(join(bin, 'ava'), ['--tap', ...avaArgs], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  interrupt.avaPid = child.pid;
  const before = { ...tally };
  const reported = new Set<string>();
  const startedAt = Date.now();
  let lastLineAt = startedAt;
  let stopped: string | undefined;
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    lastLineAt = Date.now();
    process.stdout.write(`${line}\n`);
    const result = /^(?:not )?ok \d+ - (.*?)(?: # (?:SKIP|TODO)\b.*)?$/i.exec(line);
    if (result) reported.add(result[1]!);
    if (/#\s*(SKIP|TODO)\b/i.test(line)) return;
    if (/^ok\b/.test(line)) tally.passed += 1;
    else if (/^not ok\b/.test(line)) tally.failed += 1;
  });
  const watchdog = setInterval(() => {
    const now = Date.now();
    if (now - lastLineAt > STALL_MS) stopped = `no test result for ${Math.round((now - lastLineAt) / MINUTE)} min`;
    else if (now - startedAt > BUDGET_MS) stopped = `the suite ran past its ${BUDGET_MS / MINUTE} min budget`;
    else return;
    clearInterval(watchdog);
    stopGroup(child.pid);
  }, 5_000);
  const code = await exitCodeOf(child);
  clearInterval(watchdog);
  if (stopped !== undefined) {
    const silent = testFiles(avaArgs).filter((prefix) => ![...reported].some((title) => title.startsWith(prefix)));
    count(
      tally,
      `the suite finishes (stopped: ${stopped}; files with no result: ${silent.map((f) => f.slice(0, -3)).join(', ') || 'none'})`,
      false,
    );
    return;
  }
  // A crash or "no tests found" can fail the run without a single `not ok` line.
  if (code !== 0 && tally.failed === before.failed) count(tally, `ava exited with code ${code}`, false);
}

/** SIGTERM to ava's process group, SIGKILL 10 s later to whatever is left. */
function stopGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  signalGroup(pid, 'SIGTERM');
  setTimeout(() => signalGroup(pid, 'SIGKILL'), 10_000).unref();
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

/** ava's title prefix of each test file (`test/e2e/ui-logs.test.ts` → `e2e › ui-logs › `), for the files given or all. */
function testFiles(avaArgs: readonly string[]): string[] {
  const given = avaArgs.filter((a) => a.endsWith('.test.ts'));
  const files = given.length > 0 ? given : globSync('test/**/*.test.ts', { cwd: repoRoot }).sort();
  return files.map(
    (f) =>
      `${f
        .replace(/^test\//, '')
        .replace(/\.test\.ts$/, '')
        .split('/')
        .join(' › ')} › `,
  );
}

function exitCodeOf(child: ReturnType<typeof spawn>): Promise<number> {
  return new Promise((resolve) => {
    child.on('error', (error) => {
      process.stderr.write(`cannot run ${child.spawnfile}: ${error.message} (did \`npm ci\` run?)\n`);
      resolve(127);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}

/** Stops what this run started, unless SWARMSCOPE_KEEP_ENV=1; a failed stop counts as a failure. */
async function teardown(started: readonly ServiceName[], tally: Tally): Promise<void> {
  if (started.length === 0) return;
  if (process.env.SWARMSCOPE_KEEP_ENV === '1') {
    process.stderr.write(
      `[test-env] SWARMSCOPE_KEEP_ENV=1: leaving ${started.join(', ')} running (npm run env:down stops them)\n`,
    );
    return;
  }
  try {
    await stopEnv(started);
  } catch (error) {
    process.stderr.write(`[test-env] ${error instanceof Error ? error.message : String(error)}\n`);
    count(tally, 'the test environment stops', false);
  }
}

// Ctrl-C reaches the check steps through the terminal and ava (its own group) from here; this
// process stays to stop the environment.
process.on('SIGINT', () => {
  interrupt.requested = true;
  if (interrupt.avaPid !== undefined) signalGroup(interrupt.avaPid, 'SIGINT');
  process.stderr.write('[test-env] interrupted: stopping the environment after the current step\n');
});
const startedAt = performance.now();
const tally = await main(process.argv.slice(2));
process.stdout.write(`# wall time ${((performance.now() - startedAt) / 1000).toFixed(1)} s\n`);
process.stdout.write(`${tally.passed} passed, ${tally.failed} failed\n`);
process.exitCode = tally.failed > 0 ? 1 : 0;
