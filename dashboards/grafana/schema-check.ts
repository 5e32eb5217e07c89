// Checks dashboard JSON against Grafana's own dashboard types (@grafana/schema, generated from
// Grafana's CUE kinds) with the TypeScript compiler: each dashboard becomes an object literal
// that must satisfy `Dashboard`, so unknown keys (flot leftovers), wrong types and missing
// required fields are errors. Returns the diagnostics; empty means valid.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export type SchemaProblem = { dashboard: string; message: string };

export function checkDashboardSchema(dashboards: ReadonlyArray<{ name: string; json: unknown }>): SchemaProblem[] {
  const files = new Map<string, { name: string; text: string }>();
  for (const [i, d] of dashboards.entries()) {
    // Panels are checked one by one too: Grafana's Panel/RowPanel union would otherwise report
    // an error in any panel as "not assignable to the union" with no hint which.
    const text = [
      "import type { Dashboard, Panel, RowPanel } from '@grafana/schema';",
      // String enums (ThresholdsMode, FieldColorModeId, …) are nominal in TypeScript; JSON holds
      // their values, so each enum is compared by the union of its string values instead.
      'type Json<T> = T extends string ? `${T}` : T extends ReadonlyArray<infer U> ? Array<Json<U>> : T extends object ? { [K in keyof T]: Json<T[K]> } : T;',
      `const dashboard = ${JSON.stringify(d.json, null, 1)} satisfies Json<Dashboard>;`,
      'for (const p of dashboard.panels ?? []) void (p satisfies Json<Panel | RowPanel>);',
      'export default dashboard;',
      '',
    ].join('\n');
    files.set(join(root, 'dashboards', 'grafana', `__schema_check_${i}.ts`), { name: d.name, text });
  }
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => files.get(f)?.text ?? readFile(f);
  host.fileExists = (f) => files.has(f) || fileExists(f);
  host.getSourceFile = (f, lang, onError, create) => {
    const virtual = files.get(f);
    return virtual ? ts.createSourceFile(f, virtual.text, lang) : getSourceFile(f, lang, onError, create);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  const problems: SchemaProblem[] = [];
  for (const diag of ts.getPreEmitDiagnostics(program)) {
    const file = diag.file ? files.get(diag.file.fileName) : undefined;
    const where =
      diag.file && diag.start !== undefined
        ? `line ${diag.file.getLineAndCharacterOfPosition(diag.start).line + 1}: `
        : '';
    problems.push({
      dashboard: file?.name ?? diag.file?.fileName ?? '(global)',
      message: where + ts.flattenDiagnosticMessageText(diag.messageText, '\n'),
    });
  }
  return problems;
}
