// `npm run env:up` / `npm run env:down`: brings the test environment up and prints its variables as
// `export NAME=value` lines for `eval "$(npm run -s env:up)"`, or stops what it started.
// Progress and errors go to stderr, so stdout carries only the exports.
import { toEnvVars } from './env-vars.ts';
import { ensureEnv, stopEnv } from './services.ts';

async function main(command: string | undefined): Promise<number> {
  const startedAt = performance.now();
  switch (command) {
    case 'up': {
      const env = await ensureEnv();
      for (const [name, value] of Object.entries(toEnvVars(env)))
        process.stdout.write(`export ${name}=${shellQuote(value)}\n`);
      break;
    }
    case 'down':
      await stopEnv();
      break;
    default:
      process.stderr.write('usage: node test/env/cli.ts up|down\n');
      return 2;
  }
  process.stderr.write(`[test-env] ${command} took ${((performance.now() - startedAt) / 1000).toFixed(1)} s\n`);
  return 0;
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

try {
  process.exitCode = await main(process.argv[2]);
} catch (error) {
  process.stderr.write(
    `[test-env] ${process.argv[2]} failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
}
