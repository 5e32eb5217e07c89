// ECS fields shared by every document: @timestamp, ecs.version, event.*, host (the node: hostname
// and Swarm node id), and for container records container.*, service.* (the Swarm service) and
// orchestrator.* (stack, task), as the container's Swarm labels name them.
import type { ContainerRef, WireRecord } from '../../../common/schema/index.ts';

export type Doc = Record<string, unknown>;

/** The ECS release the documents follow (every field named in the README's field table exists in it). */
export const ECS_VERSION = '8.11.0';

const SWARM = {
  service: 'com.docker.swarm.service.name',
  serviceId: 'com.docker.swarm.service.id',
  task: 'com.docker.swarm.task.name',
  taskId: 'com.docker.swarm.task.id',
  stack: 'com.docker.stack.namespace',
} as const;

const ECS = { version: ECS_VERSION } as const;

export function baseDoc(record: WireRecord, dataset: string): Doc {
  return {
    '@timestamp': record.time,
    ecs: ECS,
    // host.id: the Swarm node id (ECS: "use values that are meaningful in your environment").
    host: { name: record.node.hostname, id: record.node.id || undefined },
    event: {
      id: record.id,
      dataset: `swarmscope.${dataset}`,
      module: 'swarmscope',
      kind: dataset === 'logs' ? 'event' : dataset === 'events' ? 'event' : 'metric',
    },
  };
}

/** ECS container.*, plus service.* and orchestrator.* from the Swarm's labels on the container. */
export function containerFields(c: ContainerRef): Doc {
  const l = c.labels;
  const service = l[SWARM.service];
  return {
    container: { id: c.id, name: c.name, image: { name: c.image }, labels: c.labels, runtime: 'docker' },
    ...(service ? { service: { name: service, id: l[SWARM.serviceId] } } : {}),
    ...(service || l[SWARM.stack]
      ? {
          orchestrator: {
            type: 'swarm',
            namespace: l[SWARM.stack],
            resource: {
              type: 'task',
              name: l[SWARM.task],
              id: l[SWARM.taskId],
              parent: service ? { type: 'service' } : undefined,
            },
          },
        }
      : {}),
  };
}
