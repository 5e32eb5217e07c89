// Swarm records → documents of the swarm index. A change is an ECS event (event.kind event, event.action
// task_failed/node_down/update_started…, service.*, orchestrator.*, host.* and container.id naming
// service, task, node and container, a message a person can read); a snapshot is a state document:
// services and nodes indexed, the task list kept in _source only (see SWARM_MAPPING).
import type { SwarmChange, SwarmRecord } from '../../../common/schema/index.ts';
import type { Doc } from './encode-common.ts';

const keyword = { type: 'keyword', ignore_above: 1024 } as const;

/** The swarm dataset's own fields, merged into its index template. */
export const SWARM_MAPPING = {
  message: { type: 'text' },
  error: { properties: { message: { type: 'text' }, code: keyword } },
  orchestrator: { properties: { cluster: { properties: { id: keyword } } } },
  swarmscope: {
    properties: {
      swarm: {
        properties: {
          type: keyword,
          change: {
            properties: {
              action: keyword,
              from: keyword,
              to: keyword,
              task: {
                properties: {
                  id: keyword,
                  slot: { type: 'integer' },
                  state: keyword,
                  exit_code: { type: 'integer' },
                  container_id: keyword,
                },
              },
            },
          },
          snapshot: {
            properties: {
              cluster_id: keyword,
              tasks_omitted: { type: 'integer' },
              services: {
                properties: {
                  id: keyword,
                  name: keyword,
                  stack: keyword,
                  mode: keyword,
                  image: keyword,
                  desired: { type: 'integer' },
                  running: { type: 'integer' },
                  version: { type: 'long' },
                  update: {
                    properties: {
                      state: keyword,
                      startedAt: { type: 'date_nanos' },
                      completedAt: { type: 'date_nanos' },
                      message: { type: 'text' },
                    },
                  },
                },
              },
              nodes: {
                properties: {
                  id: keyword,
                  hostname: keyword,
                  role: keyword,
                  availability: keyword,
                  status: keyword,
                  address: keyword,
                  engineVersion: keyword,
                  updatedAt: { type: 'date_nanos' },
                  manager: { properties: { leader: { type: 'boolean' }, reachability: keyword, address: keyword } },
                },
              },
              // Thousands of tasks per snapshot: kept for reading, not indexed (task failures are change documents).
              tasks: { type: 'object', enabled: false },
              task_states: { type: 'object', enabled: false },
            },
          },
        },
      },
    },
  },
};

export function encodeSwarm(r: SwarmRecord, base: Doc): Doc {
  if (r.type === 'snapshot') {
    const b = r.body;
    const states: Record<string, number> = {};
    for (const t of b.tasks) states[t.state] = (states[t.state] ?? 0) + 1;
    return {
      ...base,
      event: { ...(base.event as Doc), kind: 'state' },
      orchestrator: { type: 'swarm', cluster: { id: b.clusterId } },
      swarmscope: {
        swarm: {
          type: 'snapshot',
          snapshot: {
            cluster_id: b.clusterId,
            tasks_omitted: b.tasksOmitted,
            services: b.services,
            nodes: b.nodes,
            tasks: b.tasks,
            task_states: states,
          },
        },
      },
    };
  }
  const c = r.body;
  return {
    ...base,
    message: describe(c),
    event: {
      ...(base.event as Doc),
      kind: 'event',
      action: c.action,
      category: [c.task ? 'process' : c.node && !c.service ? 'host' : 'configuration'],
      type: ['change'],
      ...(c.task?.exitCode ? { outcome: 'failure' } : {}),
    },
    ...(c.service ? { service: { name: c.service.name, id: c.service.id } } : {}),
    orchestrator: {
      type: 'swarm',
      ...(c.service ? { namespace: c.service.stack || undefined } : {}),
      resource: c.task
        ? { type: 'task', id: c.task.id, ...(c.service ? { parent: { type: 'service' } } : {}) }
        : c.service
          ? { type: 'service', id: c.service.id, name: c.service.name }
          : { type: 'node', id: c.node?.id, name: c.node?.hostname },
    },
    // The node the change is about (not the manager that reported it).
    ...(c.node ? { host: { name: c.node.hostname, id: c.node.id } } : {}),
    ...(c.task?.containerId ? { container: { id: c.task.containerId } } : {}),
    ...(c.task?.error
      ? { error: { message: c.task.error, code: c.task.exitCode === undefined ? undefined : String(c.task.exitCode) } }
      : {}),
    swarmscope: {
      swarm: {
        type: 'change',
        change: {
          action: c.action,
          from: c.from,
          to: c.to,
          ...(c.task
            ? {
                task: {
                  id: c.task.id,
                  slot: c.task.slot,
                  state: c.task.state,
                  exit_code: c.task.exitCode,
                  container_id: c.task.containerId,
                },
              }
            : {}),
        },
      },
    },
  };
}

/** One readable line naming the service, task and node, as an alert description would. */
export function describe(c: SwarmChange): string {
  const svc = c.service ? `service ${c.service.name}` : '';
  const node = c.node ? `node ${c.node.hostname}` : '';
  if (c.task) {
    const slot = c.task.slot !== undefined ? `.${c.task.slot}` : '';
    const exit = c.task.exitCode !== undefined ? ` with exit code ${c.task.exitCode}` : '';
    return `task ${c.service?.name ?? ''}${slot} (${c.task.id}) of ${svc} ${c.task.state}${exit} on ${node || 'no node'}${c.task.error ? `: ${c.task.error}` : ''}`;
  }
  if (c.service)
    return `${svc}: ${c.action.replace('_', ' ')} (${c.from ?? 'none'} → ${c.to ?? ''})${c.message ? `: ${c.message}` : ''}`;
  return `${node}: ${c.action.replace('_', ' ')} (${c.from ?? 'unknown'} → ${c.to ?? ''})`;
}
