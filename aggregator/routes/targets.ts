// Replica coordination and Prometheus discovery: GET /api/v1/held tells a peer which nodes this
// replica holds (bearer token, as ingest); GET /api/v1/targets is a Prometheus http_sd document
// with one target per node at the replica that exposes it (`up` and `instance` per node, and
// `hashmod` sharding across Prometheus servers) plus one per replica for its own part.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { HELD_PATH, SWARM_KEY, type Ownership } from '../ownership.ts';
import type { Exposition } from '../sinks/prometheus/exposition.ts';
import { OWN_AUTH } from '../read-auth.ts';

export const TARGETS_PATH = '/api/v1/targets';

type TargetGroup = { targets: string[]; labels: Record<string, string> };

const hostPort = (url: string) => new URL(url).host;

export function registerTargets(
  app: FastifyInstance,
  deps: { exposition: Exposition; ownership: Ownership | undefined; token: string },
): void {
  const { exposition, ownership } = deps;
  const expected = createHash('sha256').update(`Bearer ${deps.token}`).digest();

  if (ownership)
    // Peers present the collectors' token (all replicas share it), not read credentials.
    app.get(HELD_PATH, { config: OWN_AUTH }, async (req, reply) => {
      const given = createHash('sha256')
        .update(req.headers.authorization ?? '')
        .digest();
      if (!timingSafeEqual(given, expected)) return reply.code(401).send({ error: 'unauthorized' });
      return ownership.held(exposition.heldKeys());
    });

  app.get(TARGETS_PATH, async (req) => {
    const held = exposition.heldKeys();
    // Alone, this replica is every target; the address is the one Prometheus reached it by.
    const self = ownership?.self ?? `http://${req.headers.host ?? '127.0.0.1'}`;
    const placement = ownership ? ownership.placement(held) : new Map([...held.keys()].map((k) => [k, self]));
    const groups: TargetGroup[] = [];
    const replicas = new Set<string>(ownership?.liveMembers() ?? [self]);
    for (const [key, url] of placement) {
      if (key === SWARM_KEY) continue;
      groups.push({ targets: [hostPort(url)], labels: { __param_node: key, instance: key, swarmscope_part: 'node' } });
    }
    for (const url of replicas)
      groups.push({ targets: [hostPort(url)], labels: { __param_part: 'replica', swarmscope_part: 'replica' } });
    return groups;
  });
}
