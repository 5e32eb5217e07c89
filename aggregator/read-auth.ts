// Credentials for every route that reveals data (/metrics, data endpoints): a bearer token and/or
// basic auth, checked in one onRequest hook; open when neither is configured. Routes that
// authenticate on their own (ingest: the collectors' token; the UI's login) or reveal nothing
// (/healthz, /readyz) opt out with the route option `config: { ownAuth: true }`.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export type ReadAuthConfig = Readonly<{
  token: string | undefined;
  username: string | undefined;
  password: string | undefined;
}>;

/** The route option of routes that check credentials themselves or reveal nothing. */
export const OWN_AUTH = { ownAuth: true } as const;

const digest = (s: string) => createHash('sha256').update(s).digest();

/** True when `req` carries one of the configured read credentials (or none are configured). */
export function readCredentialsChecker(config: ReadAuthConfig): (req: FastifyRequest) => boolean {
  const accepted: Buffer[] = [];
  if (config.token) accepted.push(digest(`Bearer ${config.token}`));
  if (config.username && config.password)
    accepted.push(digest(`Basic ${Buffer.from(`${config.username}:${config.password}`).toString('base64')}`));
  if (accepted.length === 0) return () => true;
  return (req) => {
    const given = digest(req.headers.authorization ?? '');
    // Every candidate is compared, so the time taken does not say which one nearly matched.
    let ok = false;
    for (const a of accepted) ok = timingSafeEqual(given, a) || ok;
    return ok;
  };
}

export function registerReadAuth(app: FastifyInstance, config: ReadAuthConfig): void {
  if (!config.token && !(config.username && config.password)) return;
  const allowed = readCredentialsChecker(config);
  app.addHook('onRequest', async (req, reply) => {
    if ((req.routeOptions.config as { ownAuth?: boolean } | undefined)?.ownAuth) return;
    if (allowed(req)) return;
    if (config.username) void reply.header('www-authenticate', 'Basic realm="swarmscope", charset="UTF-8"');
    return reply.code(401).send({
      error: 'unauthorized',
      reason: 'this endpoint needs the read credentials (SWARMSCOPE_READ_TOKEN or SWARMSCOPE_READ_USERNAME/PASSWORD)',
    });
  });
}
