// The shapes the UI's endpoints answer (/ui/api/*), shared by the server and the browser bundle:
// types only, importing nothing, so the bundle's own type check can read this file as it is.

export type PartStatus = { replica: string; ok: boolean; error?: string; ageMs: number; nodes: number };

/** A node's size and use from its collector's last host sample; null before it reported. */
export type HostUsage = {
  cpus: number;
  /** Cores busy over the last host sample interval. */
  cpuUsed: number | null;
  memTotal: number | null;
  memUsed: number | null;
  diskTotal: number | null;
  diskUsed: number | null;
};

export type NodeRow = HostUsage & {
  id: string;
  hostname: string;
  role: string;
  availability: string;
  status: string;
  leader: boolean;
  reachability: string;
  engine: string;
  address: string;
  /** ms since the node's collector was last heard from; null: no collector reports for it. */
  collectorAgeMs: number | null;
  collector: 'ok' | 'silent' | 'none';
  replica: string;
  containers: number;
};

export type ServiceRow = {
  id: string;
  name: string;
  stack: string;
  mode: string;
  image: string;
  desired: number;
  running: number;
  update: { state: string; message?: string; startedAt?: string; completedAt?: string } | undefined;
  tasks: Record<string, number>;
  recentFailures: number;
  /** Running tasks whose container runs the service's current image (a rolling update's progress). */
  updated: number;
};

export type TaskCard = {
  id: string;
  serviceId: string;
  service: string;
  slot: string;
  nodeId: string;
  state: string;
  desiredState: string;
  timestamp: string;
  message: string;
  error: string;
  exitCode: number | null;
  containerId: string;
  containerName: string;
  image: string;
  health: string;
  cpu: number | null;
  mem: number | null;
};

export type Attention = { severity: 'critical' | 'warning'; kind: string; text: string; href: string };
export type Alert = { name: string; severity: string; summary: string; startsAt: string };

export type ClusterView = {
  generatedAtMs: number;
  parts: PartStatus[];
  swarm: { present: boolean; time: string | null };
  nodes: NodeRow[];
  services: ServiceRow[];
  tasks: TaskCard[];
  containers: ContainerSummary[];
  attention: Attention[];
  alerts: { configured: boolean; error?: string; firing: Alert[] };
  /** Recent Docker events and Swarm changes of every part, newest last. */
  events: UiEvent[];
};

export type ContainerSummary = {
  id: string;
  name: string;
  image: string;
  nodeId: string;
  hostname: string;
  service: string;
  serviceId: string;
  taskId: string;
  slot: string;
  stack: string;
  status: string;
  health: string;
  restarts: number;
  oomKills: number;
  startedAt: string;
  /** cores, bytes, bytes/s; null before the collector's second sample. */
  cpu: number | null;
  mem: number;
  memLimit: number | null;
  netRx: number | null;
  netTx: number | null;
  ioRead: number | null;
  ioWrite: number | null;
  time: string;
};

export type UiEvent = {
  id: string;
  time: string;
  source: 'docker' | 'swarm';
  action: string;
  text: string;
  hostname: string;
  nodeId: string;
  containerId?: string;
  containerName?: string;
  service?: string;
  serviceId?: string;
  exitCode?: number;
};

export type LogLine = {
  id: string;
  time: string;
  stream: string;
  message: string;
  containerId: string;
  containerName: string;
  service: string;
  hostname: string;
};

/** A history column: cores, bytes, and bytes/s. */
export type Column = 'cpu' | 'mem' | 'netRx' | 'netTx' | 'ioRead' | 'ioWrite';
/** Time in ms, then one array per column, oldest first (uPlot's data layout). */
export type SeriesData = { t: number[] } & Record<Column, Array<number | null>>;
