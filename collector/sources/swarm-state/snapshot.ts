// Engine API answers (/services?status=true, /tasks, /nodes) → one typed SwarmSnapshot. Pure: no
// I/O, so it is tested on recorded answers. Bounds the task list (history goes first).
import type { SwarmNode, SwarmService, SwarmSnapshot, SwarmTask } from '../../../common/schema/index.ts';

export type ApiService = {
  ID: string;
  Version?: { Index?: number };
  Spec: {
    Name: string;
    Labels?: Record<string, string> | null;
    Mode?: { Replicated?: { Replicas?: number }; Global?: object; ReplicatedJob?: object; GlobalJob?: object };
    TaskTemplate?: { ContainerSpec?: { Image?: string } };
  };
  ServiceStatus?: { RunningTasks?: number; DesiredTasks?: number; CompletedTasks?: number };
  UpdateStatus?: { State?: string; StartedAt?: string; CompletedAt?: string; Message?: string };
};

export type ApiTask = {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  Slot?: number;
  DesiredState: string;
  Status: {
    Timestamp: string;
    State: string;
    Message?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
  };
};

export type ApiNode = {
  ID: string;
  UpdatedAt: string;
  Description?: { Hostname?: string; Engine?: { EngineVersion?: string } };
  Status: { State: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string; Addr?: string };
  Spec: { Role: string; Availability: string };
};

const STACK_LABEL = 'com.docker.stack.namespace';
/** Docker's zero time: the field was never set. */
const ZERO_TIME = /^0001-01-01T/;

function time(t: string | undefined): string | undefined {
  return t && !ZERO_TIME.test(t) ? t : undefined;
}

function clip(s: string | undefined, max = 4096): string | undefined {
  return s ? s.slice(0, max) : undefined;
}

export function toService(s: ApiService): SwarmService {
  const mode = s.Spec.Mode ?? {};
  const kind = mode.Global
    ? 'global'
    : mode.ReplicatedJob
      ? 'replicated-job'
      : mode.GlobalJob
        ? 'global-job'
        : 'replicated';
  const u = s.UpdateStatus;
  return {
    id: s.ID,
    name: s.Spec.Name,
    stack: s.Spec.Labels?.[STACK_LABEL] ?? '',
    mode: kind,
    // The image with its digest pinned by `docker service create` reads badly; the tag is enough here.
    image: (s.Spec.TaskTemplate?.ContainerSpec?.Image ?? '').replace(/@sha256:[0-9a-f]+$/, '').slice(0, 512),
    desired: s.ServiceStatus?.DesiredTasks ?? mode.Replicated?.Replicas ?? 0,
    running: s.ServiceStatus?.RunningTasks ?? 0,
    ...(u?.State
      ? {
          update: {
            state: u.State,
            ...(time(u.StartedAt) ? { startedAt: time(u.StartedAt) } : {}),
            ...(time(u.CompletedAt) ? { completedAt: time(u.CompletedAt) } : {}),
            ...(u.Message ? { message: clip(u.Message) } : {}),
          },
        }
      : {}),
    version: s.Version?.Index ?? 0,
  };
}

export function toTask(t: ApiTask): SwarmTask {
  const cs = t.Status.ContainerStatus;
  return {
    id: t.ID,
    serviceId: t.ServiceID,
    nodeId: t.NodeID ?? '',
    ...(t.Slot ? { slot: t.Slot } : {}),
    desiredState: t.DesiredState,
    state: t.Status.State,
    timestamp: t.Status.Timestamp,
    ...(t.Status.Message ? { message: clip(t.Status.Message) } : {}),
    ...(t.Status.Err ? { error: clip(t.Status.Err) } : {}),
    // The engine reports exit code 0 for tasks that never ran: only a container that ran has one.
    ...(cs?.ContainerID ? { exitCode: cs.ExitCode ?? 0, containerId: cs.ContainerID } : {}),
  };
}

export function toNode(n: ApiNode): SwarmNode {
  const m = n.ManagerStatus;
  return {
    id: n.ID,
    hostname: n.Description?.Hostname ?? n.ID,
    role: n.Spec.Role,
    availability: n.Spec.Availability,
    status: n.Status.State,
    address: n.Status.Addr ?? '',
    engineVersion: n.Description?.Engine?.EngineVersion ?? '',
    updatedAt: n.UpdatedAt,
    ...(m
      ? { manager: { leader: m.Leader === true, reachability: m.Reachability ?? 'unknown', address: m.Addr ?? '' } }
      : {}),
  };
}

/**
 * The snapshot, with at most maxTasks tasks: tasks meant to run come first, then history newest
 * first, so what is cut is the oldest history (counted in tasksOmitted).
 */
export function toSnapshot(
  clusterId: string,
  services: ApiService[],
  tasks: ApiTask[],
  nodes: ApiNode[],
  maxTasks: number,
): SwarmSnapshot {
  const all = tasks.map(toTask);
  const live = (t: SwarmTask) => (t.desiredState === 'running' || t.desiredState === 'ready' ? 1 : 0);
  all.sort((a, b) => live(b) - live(a) || (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0));
  const kept = all.slice(0, maxTasks);
  return {
    clusterId,
    services: services.map(toService),
    tasks: kept,
    nodes: nodes.map(toNode),
    tasksOmitted: all.length - kept.length,
  };
}
