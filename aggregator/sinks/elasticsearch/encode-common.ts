// ECS fields shared by every document: @timestamp, host, container, orchestrator (the Swarm's
// service/task/stack/node as the container's labels name them), and the record's own id.
import type { ContainerRef, WireRecord } from '../../../common/schema/index.ts';

export type Doc = Record<string, unknown>;

const SWARM = {
  service: 'com.docker.swarm.service.name',
  serviceId: 'com.docker.swarm.service.id',
  task: 'com.docker.swarm.task.name',
  taskId: 'com.docker.swarm.task.id',
  nodeId: 'com.docker.swarm.node.id',
  stack: 'com.docker.stack.namespace',
} as const;

export function baseDoc(record: WireRecord, dataset: string): Doc {
  return {
    '@timestamp': record.time,
    host: { name: record.node.hostname },
    event: {
      dataset: `swarmscope.${dataset}`,
      module: 'swarmscope',
      kind: dataset === 'logs' ? 'event' : dataset === 'events' ? 'event' : 'metric',
    },
    swarmscope: { record_id: record.id, node_id: record.node.id || undefined },
  };
}

/** ECS container.* plus orchestrator.* from the Swarm's labels on the container. */
export function containerFields(c: ContainerRef): Doc {
  const l = c.labels;
  const service = l[SWARM.service];
  return {
    container: { id: c.id, name: c.name, image: { name: c.image }, labels: c.labels },
    ...(service || l[SWARM.stack]
      ? {
          orchestrator: {
            type: 'swarm',
            namespace: l[SWARM.stack],
            resource: { type: 'task', name: l[SWARM.task], id: l[SWARM.taskId] },
            service: { name: service, id: l[SWARM.serviceId] },
            node: { id: l[SWARM.nodeId] },
          },
        }
      : {}),
  };
}
