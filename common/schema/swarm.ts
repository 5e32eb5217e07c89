// Swarm records: the Swarm's own state as the leading manager saw it (services, tasks, nodes),
// and changes to it (a task failed, a node went down, an update moved).
import Type from 'typebox';
import { baseFields, Timestamp } from './base.ts';

const Name = Type.String({ maxLength: 255 });
const Id = Type.String({ maxLength: 64 });
const Text = Type.String({ maxLength: 4096 });

export const SwarmService = Type.Object({
  id: Id,
  name: Name,
  /** com.docker.stack.namespace, '' when the service is not part of a stack. */
  stack: Name,
  mode: Type.Union([
    Type.Literal('replicated'),
    Type.Literal('global'),
    Type.Literal('replicated-job'),
    Type.Literal('global-job'),
  ]),
  image: Type.String({ maxLength: 512 }),
  /** ServiceStatus: desired tasks (replicas, or eligible nodes for global) and running tasks. */
  desired: Type.Integer({ minimum: 0 }),
  running: Type.Integer({ minimum: 0 }),
  /** UpdateStatus.State ('updating', 'paused', 'completed', 'rollback_started', …); absent before any update. */
  update: Type.Optional(
    Type.Object({
      state: Type.String({ maxLength: 32 }),
      startedAt: Type.Optional(Timestamp),
      completedAt: Type.Optional(Timestamp),
      message: Type.Optional(Text),
    }),
  ),
  version: Type.Integer({ minimum: 0 }),
});

export const SwarmTask = Type.Object({
  id: Id,
  serviceId: Id,
  nodeId: Id,
  /** Replicated services number their tasks by slot; global services have none (the node is the slot). */
  slot: Type.Optional(Type.Integer({ minimum: 0 })),
  desiredState: Type.String({ maxLength: 32 }),
  state: Type.String({ maxLength: 32 }),
  /** When the task entered its current state. */
  timestamp: Timestamp,
  message: Type.Optional(Text),
  error: Type.Optional(Text),
  exitCode: Type.Optional(Type.Integer()),
  containerId: Type.Optional(Id),
});

export const SwarmNode = Type.Object({
  id: Id,
  hostname: Name,
  role: Type.String({ maxLength: 16 }),
  availability: Type.String({ maxLength: 16 }),
  /** Status.State: 'ready', 'down', 'unknown', 'disconnected'. */
  status: Type.String({ maxLength: 16 }),
  address: Type.String({ maxLength: 64 }),
  engineVersion: Type.String({ maxLength: 64 }),
  /** When the node object last changed (status, availability, role): the time of its transitions. */
  updatedAt: Timestamp,
  /** Managers only: ManagerStatus. */
  manager: Type.Optional(
    Type.Object({
      leader: Type.Boolean(),
      reachability: Type.String({ maxLength: 16 }),
      address: Type.String({ maxLength: 64 }),
    }),
  ),
});

export const SwarmSnapshot = Type.Object({
  clusterId: Id,
  services: Type.Array(SwarmService, { maxItems: 10_000 }),
  tasks: Type.Array(SwarmTask, { maxItems: 50_000 }),
  nodes: Type.Array(SwarmNode, { maxItems: 10_000 }),
  /** Tasks left out because the snapshot was at its bound (history first, running tasks last). */
  tasksOmitted: Type.Integer({ minimum: 0 }),
});

export const SwarmChangeAction = Type.Union([
  Type.Literal('task_failed'),
  Type.Literal('task_rejected'),
  Type.Literal('node_down'),
  Type.Literal('node_up'),
  Type.Literal('node_drained'),
  Type.Literal('node_paused'),
  Type.Literal('node_active'),
  Type.Literal('manager_unreachable'),
  Type.Literal('manager_reachable'),
  Type.Literal('update_started'),
  Type.Literal('update_paused'),
  Type.Literal('update_completed'),
  Type.Literal('rollback_started'),
  Type.Literal('rollback_paused'),
  Type.Literal('rollback_completed'),
]);

/** One transition, with the service, task and node it concerns, named (not only by id). */
export const SwarmChange = Type.Object({
  action: SwarmChangeAction,
  /** When the engine says it happened (task status time, update start/completion), else when seen. */
  at: Timestamp,
  service: Type.Optional(Type.Object({ id: Id, name: Name, stack: Name })),
  task: Type.Optional(
    Type.Object({
      id: Id,
      slot: Type.Optional(Type.Integer({ minimum: 0 })),
      state: Type.String({ maxLength: 32 }),
      exitCode: Type.Optional(Type.Integer()),
      error: Type.Optional(Text),
      containerId: Type.Optional(Id),
    }),
  ),
  node: Type.Optional(Type.Object({ id: Id, hostname: Name })),
  /** The state before and after (node status/availability, update state). */
  from: Type.Optional(Type.String({ maxLength: 32 })),
  to: Type.Optional(Type.String({ maxLength: 32 })),
  message: Type.Optional(Text),
});

const SwarmSnapshotRecord = Type.Object({
  kind: Type.Literal('swarm'),
  ...baseFields,
  type: Type.Literal('snapshot'),
  body: SwarmSnapshot,
});
const SwarmChangeRecord = Type.Object({
  kind: Type.Literal('swarm'),
  ...baseFields,
  type: Type.Literal('change'),
  body: SwarmChange,
});

export const SwarmRecord = Type.Union([SwarmSnapshotRecord, SwarmChangeRecord]);

export type SwarmService = Type.Static<typeof SwarmService>;
export type SwarmTask = Type.Static<typeof SwarmTask>;
export type SwarmNode = Type.Static<typeof SwarmNode>;
export type SwarmSnapshot = Type.Static<typeof SwarmSnapshot>;
export type SwarmChange = Type.Static<typeof SwarmChange>;
export type SwarmChangeAction = SwarmChange['action'];
export type SwarmSnapshotRecord = Type.Static<typeof SwarmSnapshotRecord>;
export type SwarmChangeRecord = Type.Static<typeof SwarmChangeRecord>;
export type SwarmRecord = Type.Static<typeof SwarmRecord>;
