// Docker event records → ECS event documents: event.action/category/type from the Docker action,
// the health status parsed out of "health_status: …" (docker.healthcheck.status), the exit code of `die`, and the raw event
// under docker.event (actor attributes flattened: no mapping growth).
import type { EventRecord } from '../../../common/schema/index.ts';
import type { Doc } from './encode-common.ts';

/** ECS event.type per Docker action (ECS allows start, end, change, creation, deletion, info). */
const ECS_TYPE: Record<string, string> = {
  create: 'creation',
  destroy: 'deletion',
  start: 'start',
  restart: 'start',
  unpause: 'start',
  die: 'end',
  stop: 'end',
  kill: 'end',
  oom: 'end',
  pause: 'change',
  update: 'change',
  rename: 'change',
  health_status: 'change',
  remove: 'deletion',
  delete: 'deletion',
  connect: 'change',
  disconnect: 'change',
};

export function encodeEvent(r: EventRecord, base: Doc): Doc {
  const colon = r.action.indexOf(':');
  const action = colon === -1 ? r.action : r.action.slice(0, colon);
  const detail = colon === -1 ? undefined : r.action.slice(colon + 1).trim();
  const category = r.type === 'container' ? ['process'] : r.type === 'node' ? ['host'] : ['configuration'];
  return {
    event: { ...(base.event as Doc), action, category, type: [ECS_TYPE[action] ?? 'info'] },
    ...(r.exitCode !== undefined ? { process: { exit_code: r.exitCode } } : {}),
    docker: {
      event: {
        type: r.type,
        action: r.action,
        scope: r.scope,
        actor: { id: r.actor.id, attributes: r.actor.attributes },
        exit_code: r.exitCode,
      },
      // Metricbeat's healthcheck metricset name for the status a health_status event reports.
      ...(action === 'health_status' && detail ? { healthcheck: { status: detail } } : {}),
    },
  };
}
