/** The parts of the schema only HTTP listeners and pools use. */
import { z } from 'zod';
import { parseCidr } from '../core/cidr.js';
import { hostReason } from '../core/address.js';
import { Duration, Size } from './schema-primitives.js';

const RouteHost = z
  .string()
  .superRefine((v, ctx) => {
    const host = v.startsWith('*.') ? v.slice(2) : v;
    const reason = hostReason(host, false);
    if (reason !== undefined || host.includes(':')) ctx.addIssue({ code: 'custom', message: `must be a host name like "api.example.com" or "*.example.com", got "${v}"`, input: v });
  })
  .meta({ description: 'Exact host ("api.example.com") or wildcard ("*.example.com": any subdomain, not the bare domain); compared without case and port.', examples: ['api.example.com'] });

export const RouteSchema = z
  .strictObject({
    host: RouteHost.optional(),
    pathPrefix: z
      .string()
      .regex(/^\/[\x21-\x7e]*$/, { message: 'must start with "/" and hold only visible ASCII characters' })
      .optional()
      .meta({ description: 'Matches paths starting with this string (a plain prefix: "/api/" matches below /api/ only).', examples: ['/api/'] }),
    headers: z
      .record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { message: 'must be a header name' }), z.union([z.string(), z.literal(true)]))
      .optional()
      .meta({ description: 'Headers that must be present: a value to match exactly, or `true` for any value.', examples: [{ 'x-canary': '1' }] }),
    pool: z.string().meta({ description: 'The pool this route sends to.', examples: ['api'] }),
  })
  .meta({ description: 'A route: match rules and the pool they send to.', examples: [{ host: 'api.example.com', pathPrefix: '/v1/', pool: 'api' }] });

const InternalPath = z.string().regex(/^\/[\x21-\x7e]*$/, { message: 'must start with "/" and hold only visible ASCII characters' });

const Cidr = z
  .string()
  .superRefine((v, ctx) => {
    const r = parseCidr(v);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.reason, input: v });
  })
  .meta({ description: 'An IP address or CIDR range.', examples: ['10.0.0.0/8'] });

export const HttpListenerSchema = z
  .strictObject({
    maxHeaderSize: Size.default('16KiB').meta({ description: 'Largest request head (request line and headers). Over it: 431.', examples: ['32KiB'] }),
    maxUriLength: Size.default('8KiB').meta({ description: 'Longest request-target. Over it: 414.', examples: ['4KiB'] }),
    maxHeaders: z.number().int().min(1).max(1000).default(100).meta({ description: 'Most header fields in a request. Over it: 431.', examples: [64] }),
    maxBodySize: Size.default(0).meta({ description: 'Largest request body (0 = unlimited). Over it: 413.', examples: ['10MiB'] }),
    headerTimeout: Duration.default('10s').meta({
      description: 'Longest time to receive a whole request head, counted from its first byte (a client sending one byte a second is cut here). Then: 408.',
      examples: ['5s'],
    }),
    requestTimeout: Duration.default('5m').meta({ description: 'Longest time to receive a whole request, body included (0 = no limit). Then: 408.', examples: ['30s'] }),
    responseTimeout: Duration.default('60s').meta({ description: 'Longest wait for a backend\'s response head once the request is sent (then: 504), and for each next part of its body (then the connection is closed; a client that is slow to read does not count).', examples: ['30s'] }),
    keepAliveTimeout: Duration.default('60s').meta({ description: 'How long an idle client connection is kept open between requests.', examples: ['15s'] }),
    unknownHost: z
      .union([z.literal(404), z.literal(421)])
      .default(404)
      .meta({ description: 'The status for a request whose Host no route accepts: 404, or 421 (Misdirected Request).', examples: [421] }),
    xForwarded: z.boolean().default(true).meta({ description: 'Set X-Forwarded-For, -Proto and -Host on forwarded requests.', examples: [false] }),
    forwarded: z.boolean().default(true).meta({ description: 'Set the RFC 7239 Forwarded header on forwarded requests.', examples: [false] }),
    via: z
      .union([z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { message: 'must be a token (letters, digits, "-", "." …)' }), z.literal(false)])
      .default(false)
      .meta({ description: 'Add `Via: 1.1 <name>` to requests and responses, or false for none.', examples: ['switchyard'] }),
    trustedProxies: z
      .array(Cidr)
      .default([])
      .meta({ description: 'Peers whose X-Forwarded-* and Forwarded headers are kept and appended to; from anyone else they are replaced.', examples: [['10.0.0.0/8']] }),
    internal: z
      .union([
        z.literal(false),
        z.strictObject({
          health: z.union([InternalPath, z.literal(false)]).default('/__health__').meta({ description: 'Answers 200 when every pool of the listener has an eligible backend, else 503.', examples: ['/healthz'] }),
          status: z.union([InternalPath, z.literal(false)]).default('/__status__').meta({ description: 'JSON: each pool of the listener with its backends\' state and counters.', examples: [false] }),
          metrics: z.union([InternalPath, z.literal(false)]).default('/__metrics__').meta({ description: 'JSON: requests, requests/s, response times (avg, min, max, p50, p95, p99), error rate, counts per status.', examples: ['/__metrics__'] }),
        }),
      ])
      .default(false)
      .meta({
        description: 'Switchyard\'s own endpoints on this listener (GET and HEAD), answered before routing. Off by default since they show backend state; `{}` turns on all three at their default paths.',
        examples: [{}],
      }),
    accessLog: z
      .enum(['off', 'json', 'combined'])
      .default('off')
      .meta({ description: 'An access log line per request, to `accessLogFile`: JSON, or NCSA combined.', examples: ['json'] }),
    accessLogFile: z.string().min(1).default('-').meta({ description: 'Where access log lines go: a file path (appended to), or "-" for standard output. A file is written in blocks of up to 256 KiB by the balancer itself, synchronously, as NGINX writes its buffered log: keep it on a local disk. Standard output is written asynchronously.', examples: ['/var/log/switchyard/access.log'] }),
  })
  .meta({ description: 'HTTP settings of a listener (protocol: http).', examples: [{ maxBodySize: '10MiB', trustedProxies: ['10.0.0.0/8'] }] });

export const HttpPoolSchema = z
  .strictObject({
    maxIdleConnections: z
      .number()
      .int()
      .min(0)
      .max(10000)
      .default(32)
      .meta({ description: 'Most idle keep-alive connections kept per backend (0 = a new connection per request).', examples: [64] }),
    idleTimeout: Duration.default('4s').meta({
      description: 'How long an idle keep-alive connection to a backend is kept: set it below the backend\'s own keep-alive timeout (a `Keep-Alive: timeout=` hint is honoured too).',
      examples: ['30s'],
    }),
    stickyCookie: z
      .union([z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { message: 'must be a cookie name (a token)' }), z.literal(false)])
      .default(false)
      .meta({
        description:
          'Cookie stickiness: Switchyard sets this cookie to a token naming the backend that answered, and sends later requests carrying it to that backend while it is eligible; otherwise the policy picks (and the cookie is set anew).',
        examples: ['SWITCHYARD'],
      }),
    hashOn: z
      .union([z.enum(['client', 'path']), z.strictObject({ header: z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { message: 'must be a header name' }) })])
      .default('client')
      .meta({ description: 'What `source-hash` hashes for HTTP requests: the client address, the path (query excluded), or a header\'s value (`{ header: x-user }`; requests without it hash the client address).', examples: [{ header: 'x-user-id' }] }),
    retries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(1)
      .meta({ description: 'Times an idempotent request without a body is retried on another backend after a reset before any response byte.', examples: [2] }),
  })
  .meta({ description: 'HTTP settings of a pool, used by HTTP listeners.', examples: [{ maxIdleConnections: 64, idleTimeout: '30s' }] });
