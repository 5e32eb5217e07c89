// The Swarm's own state, read on managers: each round every manager asks whether it is the
// leader, and only the leader reads services, tasks and nodes and reports a snapshot plus the
// changes since its last one. So one manager speaks at a time, and when leadership moves the new
// leader takes over within a round (its first look re-reports open problems under the same ids).
import type { Logger } from '../../../common/logger.ts';
import type { NodeRef, SwarmRecord, SwarmSnapshot } from '../../../common/schema/index.ts';
import { recordId } from '../../../common/record-id.ts';
import type { DockerApi } from '../../docker-api.ts';
import { detectChanges } from './changes.ts';
import { toSnapshot, type ApiNode, type ApiService, type ApiTask } from './snapshot.ts';

export type SwarmStateStats = {
  rounds: number;
  reports: number;
  errors: number;
  tasksOmitted: number;
  leader: boolean;
};

export class SwarmStateSource {
  private readonly api: DockerApi;
  private readonly log: Logger;
  private readonly maxTasks: number;
  private prev: SwarmSnapshot | undefined;
  private clusterId: string | undefined;
  private failing = false;
  readonly stats: SwarmStateStats = { rounds: 0, reports: 0, errors: 0, tasksOmitted: 0, leader: false };

  constructor(opts: { api: DockerApi; log: Logger; maxTasks: number }) {
    this.api = opts.api;
    this.log = opts.log;
    this.maxTasks = opts.maxTasks;
  }

  /** One round: the leader's snapshot and changes, or nothing on any other manager. Never throws. */
  async poll(self: NodeRef, time: Date): Promise<SwarmRecord[]> {
    this.stats.rounds++;
    try {
      const me = await this.api.get<ApiNode>(`/nodes/${encodeURIComponent(self.id)}`);
      const leader = me.ManagerStatus?.Leader === true;
      if (leader !== this.stats.leader)
        this.log.info(
          { node: self.hostname, leader },
          leader
            ? 'this manager leads: reporting Swarm state'
            : 'this manager no longer leads: Swarm state reported by the leader',
        );
      this.stats.leader = leader;
      if (!leader) {
        this.prev = undefined;
        return [];
      }
      this.clusterId ??= (await this.api.get<{ ID: string }>('/swarm')).ID;
      const [services, tasks, nodes] = await Promise.all([
        this.api.get<ApiService[]>('/services?status=true'),
        this.api.get<ApiTask[]>('/tasks'),
        this.api.get<ApiNode[]>('/nodes'),
      ]);
      const snapshot = toSnapshot(this.clusterId, services, tasks, nodes, this.maxTasks);
      this.stats.tasksOmitted += snapshot.tasksOmitted;
      const iso = time.toISOString();
      const records: SwarmRecord[] = detectChanges(this.prev, snapshot, iso).map(({ key, change }) => ({
        kind: 'swarm',
        type: 'change',
        id: recordId(this.clusterId!, 'swarm-change', key),
        time: change.at,
        node: self,
        body: change,
      }));
      records.push({
        kind: 'swarm',
        type: 'snapshot',
        id: recordId(this.clusterId, 'swarm-snapshot', self.id, time.getTime()),
        time: iso,
        node: self,
        body: snapshot,
      });
      this.prev = snapshot;
      this.stats.reports++;
      this.failing = false;
      return records;
    } catch (err) {
      // A manager that lost quorum or was demoted answers 503: count it and ask again next round.
      this.stats.errors++;
      this.stats.leader = false;
      this.prev = undefined;
      if (!this.failing)
        this.log.warn(
          { err: (err as Error).message },
          'Swarm state rounds failing (counted in sample_errors; logged once until one succeeds)',
        );
      this.failing = true;
      return [];
    }
  }
}
