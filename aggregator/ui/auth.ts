// Who may see the UI: the holder of the ingest token or of the UI's read-only password
// (SWARMSCOPE_UI_PASSWORD). A login form sets an HttpOnly, SameSite=Strict cookie holding an HMAC
// of the credential (the credential itself never sits in the browser); API clients and peer
// replicas may send `Authorization: Bearer <credential>` instead. No default password exists.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const COOKIE = 'swarmscope_ui';
const SESSION_CONTEXT = 'swarmscope-ui-session-v1';
/** Sessions last a working day; a new login renews. */
const COOKIE_MAX_AGE_S = 12 * 3600;

const digest = (s: string) => createHash('sha256').update(s).digest();

export class UiAuth {
  private readonly credentials: Buffer[];
  private readonly sessions: Buffer[];

  constructor(credentials: ReadonlyArray<string | undefined>) {
    const given = credentials.filter((c): c is string => !!c);
    this.credentials = given.map(digest);
    this.sessions = given.map((c) => digest(createHmac('sha256', c).update(SESSION_CONTEXT).digest('base64url')));
  }

  /** The cookie value for a credential, or undefined when it is not one of ours. */
  login(password: string): string | undefined {
    if (!this.matches(this.credentials, digest(password))) return undefined;
    return createHmac('sha256', password).update(SESSION_CONTEXT).digest('base64url');
  }

  allowed(req: FastifyRequest): boolean {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') && this.matches(this.credentials, digest(auth.slice(7)))) return true;
    const session = readCookie(req.headers.cookie, COOKIE);
    return session !== undefined && this.matches(this.sessions, digest(session));
  }

  /** Every candidate is compared (constant time), so timing tells nothing about which matched. */
  private matches(list: Buffer[], d: Buffer): boolean {
    let ok = false;
    for (const x of list) ok = timingSafeEqual(x, d) || ok;
    return ok;
  }
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export function sessionCookie(value: string, secure: boolean): string {
  return `${COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${COOKIE_MAX_AGE_S}${secure ? '; Secure' : ''}`;
}

export function clearedCookie(): string {
  return `${COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
}

/** Only same-site paths after login: never an open redirect. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/';
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The login form: plain HTML, no script, served with 401 to anyone without a session. */
export function loginPage(next: string, error?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>swarmscope · sign in</title><style>
body{margin:0;display:grid;place-items:center;min-height:100vh;background:#101418;color:#d8dee4;font:15px/1.4 system-ui,sans-serif}
form{background:#181e24;border:1px solid #2a333c;border-radius:8px;padding:28px 32px;width:300px}
h1{font-size:20px;margin:0 0 4px}p{color:#8b98a5;margin:0 0 18px;font-size:13px}
label{display:block;font-size:13px;margin-bottom:6px}input{width:100%;box-sizing:border-box;padding:8px;border-radius:4px;border:1px solid #3a4550;background:#0d1115;color:inherit;font:inherit}
button{margin-top:16px;width:100%;padding:9px;border:0;border-radius:4px;background:#2f81f7;color:#fff;font:inherit;cursor:pointer}
.err{color:#ff7b72;margin-top:12px;font-size:13px}</style></head><body>
<form method="post" action="/login"><h1>swarmscope</h1><p>Sign in with the UI password (SWARMSCOPE_UI_PASSWORD) or the aggregator's token.</p>
<input type="hidden" name="next" value="${esc(next)}"><label for="password">Password or token</label>
<input id="password" name="password" type="password" autocomplete="current-password" autofocus required>
<button type="submit">Sign in</button>${error ? `<div class="err" role="alert">${esc(error)}</div>` : ''}</form></body></html>`;
}

/** The answer to a request without a session: the login form for pages, JSON for data. */
export function refuse(req: FastifyRequest, reply: FastifyReply, page: boolean): FastifyReply {
  void reply.header('cache-control', 'no-store');
  if (page) return reply.code(401).type('text/html; charset=utf-8').send(loginPage(req.url));
  return reply.code(401).send({ error: 'unauthorized', reason: 'sign in at /login, or send Authorization: Bearer' });
}
