// What every bench needs before it measures, checked or installed, and said on stderr: the test
// environment (imported first, this module brings it up as `npm run env:up` does when its variables
// are not set, and exports them to the bench) and Debian packages (apt, like the test environment's).
// A bench never assumes what a fresh machine lacks; what it cannot install it checks and names.
import { envVarNames, toEnvVars } from '../test/env/env-vars.ts';
import { ensureEnv } from '../test/env/services.ts';
import { ensurePackages } from '../test/env/system-packages.ts';

const say = (line: string) => process.stderr.write(`# bench needs: ${line}\n`);

const missing = Object.values(envVarNames).filter((name) => !process.env[name]);
if (missing.length === 0) say('test environment from its variables (DOCKER_HOST, SWARMSCOPE_ES_URL, …)');
else {
  say(`test environment not exported (${missing.join(', ')}): bringing it up as npm run env:up does`);
  Object.assign(process.env, toEnvVars(await ensureEnv()));
  say('test environment up (left running: npm run env:down stops it)');
}

/** Installs the Debian packages a bench needs that are missing. */
export async function needPackages(names: readonly string[]): Promise<void> {
  say(`Debian packages ${names.join(', ')} (installed with apt-get when missing)`);
  await ensurePackages(names);
}
