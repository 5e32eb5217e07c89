// What a set of Kibana saved objects depends on in Elasticsearch, read back from the objects
// themselves: each data view's index pattern, and every field an object names (time field,
// columns, sort, Lucene query terms, Lens source fields), grouped by the data view it goes through.
import type { SavedObject } from './saved-objects.ts';

export type DataViewUse = { id: string; pattern: string; fields: Set<string>; queries: string[] };

/** Field names in a Lucene query: `field:value` and `_exists_:field`. */
export function luceneFields(query: string): string[] {
  const out = new Set<string>();
  for (const m of query.matchAll(/(?:^|[\s(])([@A-Za-z_][\w.@]*)\s*:/g)) if (m[1] !== '_exists_') out.add(m[1]!);
  for (const m of query.matchAll(/_exists_\s*:\s*([@A-Za-z_][\w.@]*)/g)) out.add(m[1]!);
  return [...out];
}

export function dataViewUses(objects: readonly SavedObject[]): Map<string, DataViewUse> {
  const views = new Map<string, DataViewUse>();
  for (const o of objects) {
    if (o.type !== 'index-pattern') continue;
    views.set(o.id, {
      id: o.id,
      pattern: String(o.attributes.title),
      fields: new Set([String(o.attributes.timeFieldName)]),
      queries: [],
    });
  }
  const use = (id: string | undefined, fields: Iterable<string>, query?: string) => {
    const v = id === undefined ? undefined : views.get(id);
    if (!v) throw new Error(`reference to a data view that is not in the set: ${id}`);
    for (const f of fields) v.fields.add(f);
    if (query) v.queries.push(query);
  };
  for (const o of objects) {
    if (o.type === 'search') {
      const source = JSON.parse(
        String((o.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON),
      ) as { query: { query: string } };
      const sort = (o.attributes.sort as string[][]).map((s) => s[0]!);
      use(
        o.references[0]?.id,
        [...(o.attributes.columns as string[]), ...sort, ...luceneFields(source.query.query)],
        source.query.query,
      );
    }
    if (o.type === 'dashboard') {
      for (const p of JSON.parse(String(o.attributes.panelsJSON)) as Array<{
        embeddableConfig: { attributes?: LensAttributes };
      }>) {
        const lens = p.embeddableConfig.attributes;
        if (!lens) continue;
        for (const [layerId, layer] of Object.entries(lens.state.datasourceStates.formBased.layers)) {
          const ref = lens.references.find((r) => r.name === `indexpattern-datasource-layer-${layerId}`);
          const fields = Object.values(layer.columns)
            .map((c) => c.sourceField)
            .filter((f) => f !== '___records___');
          use(ref?.id, [...fields, ...luceneFields(lens.state.query.query)], lens.state.query.query || undefined);
        }
      }
    }
  }
  return views;
}

type LensAttributes = {
  references: Array<{ id: string; name: string }>;
  state: {
    query: { query: string };
    datasourceStates: { formBased: { layers: Record<string, { columns: Record<string, { sourceField: string }> }> } };
  };
};
