// The import-boundary lint rule (eslint.config.js) on code placed where it would live: a source
// importing the pipeline or another source is an error; the contract, readers and common/ are fine.
import test from 'ava';
import { ESLint, type Linter } from 'eslint';

const eslint = new ESLint({
  // Without type information: the rule reads import paths only, and these files do not exist.
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false, project: null } },
    rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/consistent-type-imports': 'off' },
  },
});

async function boundaryErrors(filePath: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'swarmscope/import-boundaries');
}

test('a source importing the pipeline or another source is an error', async (t) => {
  const errors = await boundaryErrors(
    'collector/sources/host/bad.ts',
    [
      "import type { QueuedBatch } from '../../pipeline/disk-queue.ts';",
      "import { ContainerLogs } from '../container-logs/container-logs.ts';",
      "export { AckLedger } from '../../pipeline/ack-ledger.ts';",
      'export type X = [QueuedBatch, ContainerLogs];',
    ].join('\n'),
  );
  t.deepEqual(
    errors.map((e) => e.line),
    [1, 2, 3],
  );
});

test('a source may import its own folder, the contract, readers, the Docker client and common/', async (t) => {
  const errors = await boundaryErrors(
    'collector/sources/host/good.ts',
    [
      "import type { SourceFactory } from '../source.ts';",
      "import { HostSampler } from './host-sampler.ts';",
      "import { KeptFiles } from '../../readers/kept-files.ts';",
      "import type { DockerApi } from '../../docker-api.ts';",
      "import { recordId } from '../../../common/record-id.ts';",
      'export type X = [SourceFactory, HostSampler, KeptFiles, DockerApi, typeof recordId];',
    ].join('\n'),
  );
  t.deepEqual(errors, []);
});

test('readers may not import a source', async (t) => {
  const errors = await boundaryErrors(
    'collector/readers/bad.ts',
    "import { HostSampler } from '../sources/host/host-sampler.ts';\nexport type X = HostSampler;\n",
  );
  t.is(errors.length, 1);
});
