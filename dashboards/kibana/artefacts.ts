// The Kibana artefact: the saved objects for the default index prefix, as an importable ndjson.
import { savedObjects, toNdjson } from './saved-objects.ts';

export const DEFAULT_PREFIX = 'swarmscope';

export function kibanaArtefacts(): Array<{ path: string; content: string }> {
  return [{ path: 'dashboards/kibana/generated/swarmscope.ndjson', content: toNdjson(savedObjects(DEFAULT_PREFIX)) }];
}
