// node:http and node:https for the collector, loaded through require rather than import. An ES
// import of node:http builds its namespace by reading every export, and its lazy ones (WebSocket,
// CloseEvent, …) load Node's bundled undici and http2: 14 MiB of resident memory on every node for
// nothing the collector uses. node:https (TLS, ~5 MiB more) is loaded only when a URL asks for it.
import { createRequire } from 'node:module';
import type * as Http from 'node:http';
import type * as Https from 'node:https';

const require = createRequire(import.meta.url);

export const http = require('node:http') as typeof Http;

let httpsModule: typeof Https | undefined;

export function https(): typeof Https {
  return (httpsModule ??= require('node:https') as typeof Https);
}
