// Lint: the recommended TypeScript rules, type-aware where it catches real bugs (floating promises),
// and the collector's import boundaries (README "Architecture"): a source imports its own folder,
// the source contract, collector/readers/, the Docker client and common/ — never the pipeline or
// another source; readers import neither.
import { dirname, relative, resolve, sep } from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const root = import.meta.dirname;

/** Which collector area a file is in: `source:<name>`, `pipeline`, `readers`, or undefined. */
function areaOf(file) {
  const parts = relative(root, file).split(sep);
  if (parts[0] !== 'collector') return undefined;
  if (parts[1] === 'sources') return parts.length > 3 ? `source:${parts[2]}` : 'contract';
  if (parts[1] === 'pipeline' || parts[1] === 'readers') return parts[1];
  return undefined;
}

const importBoundaries = {
  meta: { type: 'problem', messages: { crossed: '{{from}} may not import {{to}} ({{path}}): {{why}}' } },
  create(context) {
    const from = areaOf(context.filename);
    if (!from || (!from.startsWith('source:') && from !== 'readers')) return {};
    const check = (node) => {
      const path = node.source?.value;
      if (typeof path !== 'string' || !path.startsWith('.')) return;
      const to = areaOf(resolve(dirname(context.filename), path));
      const why =
        to === 'pipeline'
          ? 'sources hear from the pipeline only through their context (emit, ready, ack handles)'
          : to?.startsWith('source:') && to !== from
            ? 'sources share code through collector/readers/ or the context, not through each other'
            : from === 'readers' && (to === 'contract' || to?.startsWith('source:'))
              ? 'readers are plain functions under the sources'
              : undefined;
      if (why) context.report({ node, messageId: 'crossed', data: { from, to, path, why } });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default tseslint.config(
  {
    ignores: ['node_modules/**', '.cache/**', 'dist/**', 'dashboards/generated/**', 'test-results/**', 'aggregator/ui/assets/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { swarmscope: { rules: { 'import-boundaries': importBoundaries } } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'swarmscope/import-boundaries': 'error',
    },
  },
);
