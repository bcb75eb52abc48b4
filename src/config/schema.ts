/**
 * The configuration schema: the one source of the config types, the JSON Schema
 * (`switchyard schema`) and the generated reference (docs/config-reference.md).
 * Values here are what users write; normalize.ts turns them into the runtime model.
 */
import { z } from 'zod';
import { parseEndpoint, portReason, hostReason } from '../core/address.js';
import { POLICY_NAMES } from './policy-names.js';
import { Duration, Size, refineWith } from './schema-primitives.js';
import { HttpListenerSchema, HttpPoolSchema, RouteSchema } from './schema-http.js';
import { BackendProbeOverride, PoolHealthSchema } from './schema-health.js';
import { AdminSchema } from './schema-admin.js';

export { Duration, Size };

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const NAME_RULE = 'must be 1–64 letters, digits, "_", "." or "-", starting with a letter or digit';

const Port = z
  .number()
  .superRefine((v, ctx) => {
    const reason = portReason(v);
    if (reason !== undefined) ctx.addIssue({ code: 'custom', message: reason, input: v });
  })
  .meta({ description: 'TCP port, 1–65535.', examples: [8001] });

const Count = (what: string, example: number): z.ZodNumber => z.number().int().min(0).meta({ description: what, examples: [example] });

const BindAddress = z
  .string()
  .superRefine((v, ctx) => {
    const r = parseEndpoint(v, { allowWildcard: true, allowZero: true });
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.reason, input: v });
  })
  .meta({
    description: 'An address to listen on: "host:port", "[ipv6]:port", "*:port" (all interfaces) or ":port". Port 0 picks a free port.',
    examples: ['*:8080', '127.0.0.1:8080', '[::1]:8080'],
  });

export const BackendAddress = z
  .string()
  .superRefine((v, ctx) => {
    const r = parseEndpoint(v, { allowWildcard: false });
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.reason, input: v });
  })
  .meta({ description: 'Shorthand for a backend of weight 1: "host:port" or "[ipv6]:port".', examples: ['127.0.0.1:8001'] });

export const BackendObject = z
  .strictObject({
    host: z
      .string()
      .superRefine((v, ctx) => {
        const reason = hostReason(v, false);
        if (reason !== undefined) ctx.addIssue({ code: 'custom', message: reason, input: v });
      })
      .meta({ description: 'Host name or IP address of the backend.', examples: ['10.0.0.5', 'app-1.internal'] }),
    port: Port,
    weight: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(1)
      .meta({ description: 'Relative share of traffic for weighted policies (0–1000). 0 keeps the backend configured but sends it nothing.', examples: [3] }),
    name: z
      .string()
      .regex(NAME_RE, { message: NAME_RULE })
      .optional()
      .meta({ description: 'A name for logs, metrics and the admin API. Defaults to "host:port". Must be unique in its pool.', examples: ['app-1'] }),
    maxConnections: Count('Most open connections to this backend at once; 0 takes the pool\'s `maxConnectionsPerBackend`.', 200).default(0),
    state: z
      .enum(['ready', 'drain', 'maint'])
      .default('ready')
      .meta({ description: 'Admin state at start: `ready` takes traffic; `drain` takes no new connections or requests; `maint` is out and not probed.', examples: ['maint'] }),
    probe: BackendProbeOverride.optional(),
  })
  .meta({ description: 'A backend server.', examples: [{ host: '10.0.0.5', port: 8001, weight: 3, name: 'app-1' }] });

export const Backend = z.union([BackendAddress, BackendObject]);

export const PoolSchema = z
  .strictObject({
    policy: z.enum(POLICY_NAMES).default('round-robin').meta({ description: 'The balancing policy; see the README for each.', examples: ['least-conn'] }),
    backends: z
      .array(Backend)
      .meta({ description: 'The backends: "host:port" strings or objects.', examples: [['10.0.0.5:8001', { host: '10.0.0.6', port: 8001, weight: 2 }]] }),
    maxConnectionsPerBackend: Count('Default limit of open connections per backend (0 = unlimited). A backend at its limit is skipped.', 500).default(0),
    connectTimeout: Duration.optional().meta({ description: 'Overrides `timeouts.connect` for this pool.', examples: ['1s'] }),
    failover: z
      .strictObject({
        attempts: z
          .number()
          .int()
          .min(1)
          .max(16)
          .default(3)
          .meta({ description: 'Most backends tried for one client connection (each at most once) before the client is closed.', examples: [2] }),
        retryOnEmptyResponse: z
          .boolean()
          .default(false)
          .meta({
            description:
              'Also fail over when a backend closes or resets the connection after the client sent bytes but before the backend sent any, replaying what the client had sent (up to `bufferSize`) to the next backend. (A reset before any byte was exchanged is always failed over.) Turn on only where a request reaching two backends does no harm, as with HAProxy\'s `retry-on empty-response`.',
            examples: [true],
          }),
      })
      .prefault({})
      .meta({ description: 'Connect failover: when a backend refuses, resets or times out, the next eligible one is tried.', examples: [{ attempts: 2 }] }),
    health: PoolHealthSchema.prefault({}),
    slowStart: Duration.default(0).meta({
      description: 'A backend that becomes eligible (comes up, returns from ejection, is set ready) ramps from a tenth of its weight to all of it over this time. 0 disables.',
      examples: ['30s'],
    }),
    panicThreshold: z
      .number()
      .min(0)
      .max(100)
      .default(0)
      .meta({
        description:
          'Panic mode: when the share of eligible backends falls below this percent (and so when none is left), traffic is spread over every backend not in `drain` or `maint`, healthy or not, instead of being refused. 0 disables: with no eligible backend, TCP clients are closed at once and HTTP requests get 503.',
        examples: [50],
      }),
    http: HttpPoolSchema.prefault({}),
  })
  .meta({ description: 'A named set of backends with a balancing policy.', examples: [{ policy: 'least-conn', backends: ['10.0.0.5:8001', '10.0.0.6:8001'] }] });

export const ListenerSchema = z
  .strictObject({
    protocol: z
      .enum(['tcp', 'http'])
      .default('tcp')
      .meta({ description: 'What the listener speaks. `tcp` forwards bytes (layer 4); `http` parses HTTP/1.1 requests, routes them and forwards them over kept-alive connections (layer 7).', examples: ['http'] }),
    bind: z
      .union([BindAddress, z.array(BindAddress).min(1)])
      .meta({ description: 'One address or a list of addresses to listen on.', examples: ['*:8080', ['127.0.0.1:8080', '[::1]:8080']] }),
    pool: z.string().optional().meta({ description: 'The pool this listener sends traffic to (for HTTP: requests no route matches). Shorthand for `pools: [name]`.', examples: ['web'] }),
    pools: z
      .array(z.string())
      .min(1)
      .optional()
      .meta({ description: 'Several pools (blue/green groups), of which `activePool` receives new connections.', examples: [['blue', 'green']] }),
    activePool: z.string().optional().meta({ description: 'Which of `pools` is active at start. Defaults to the first.', examples: ['green'] }),
    maxConnections: Count('Most client connections open at once on this listener (0 = unlimited). Excess connections are closed at once and counted.', 2000).default(10000),
    idleTimeout: Duration.optional().meta({ description: 'Overrides `timeouts.idle` for this listener (TCP connections; for HTTP see `http.keepAliveTimeout`).', examples: ['30s'] }),
    routes: z
      .array(RouteSchema)
      .optional()
      .meta({
        description:
          'HTTP only: routes to pools. Priority: exact host, then wildcard host, then no host; then the longest path prefix; then more header conditions; then the order here. A request no route matches goes to the active pool, or gets 404.',
        examples: [[{ host: 'api.example.com', pool: 'api' }, { pathPrefix: '/static/', pool: 'static' }]],
      }),
    http: HttpListenerSchema.optional().meta({ description: 'HTTP settings (protocol: http only).' }),
  })
  .meta({ description: 'A set of bound addresses and the pool(s) they forward to.', examples: [{ bind: '*:8080', pool: 'web' }] });

export const ConfigSchema = z
  .strictObject({
    listeners: z
      .record(z.string(), ListenerSchema)
      .meta({ description: 'Listeners by name.', examples: [{ web: { bind: '*:8080', pool: 'web' } }] }),
    pools: z.record(z.string(), PoolSchema).meta({ description: 'Pools by name.', examples: [{ web: { backends: ['10.0.0.5:8001'] } }] }),
    timeouts: z
      .strictObject({
        connect: Duration.default('3s').meta({ description: 'Longest wait for a backend to accept a connection before failing over.', examples: ['1s'] }),
        idle: Duration.default('5m').meta({ description: 'A connection with no bytes in either direction for this long is closed. 0 disables.', examples: ['1h'] }),
        drain: Duration.default('6s').meta({ description: 'On SIGTERM/SIGINT, how long open connections may finish before they are closed.', examples: ['30s'] }),
      })
      .prefault({})
      .meta({ description: 'Timeouts; pools and listeners may override some.', examples: [{ connect: '1s', idle: '1h' }] }),
    bufferSize: Size.default('64KiB').meta({
      description: 'How much each direction of a connection buffers before reading pauses (backpressure).',
      examples: ['256KiB'],
    }),
    resolve: z
      .enum(['once', 'per-connection'])
      .default('once')
      .meta({
        description: '`once`: backend host names are resolved when the config loads. `per-connection`: resolved again at each connect (DNS changes are followed).',
        examples: ['per-connection'],
      }),
    workers: z
      .union([z.number(), z.string()])
      .superRefine(
        refineWith((v) => (v === 'auto' || (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 1024) ? undefined : `must be a whole number of processes from 1 to 1024 or "auto", got ${JSON.stringify(v)}`)),
      )
      .default(1)
      .meta({
        description:
          'Processes that serve traffic: a whole number from 1 to 1024, or `auto`. 1: everything runs in one process. N > 1 (or `auto`: one per CPU): a primary process owns the configuration, reloads, active health probes and the admin surfaces, and N worker processes share the listeners (`switchyard run` only; the library API always runs in one process).',
        examples: ['auto', 4],
      }),
    admin: AdminSchema.optional(),
    log: z
      .strictObject({
        level: z
          .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
          .default('info')
          .meta({ description: 'Least severe level written.', examples: ['debug'] }),
      })
      .prefault({})
      .meta({ description: 'Logging.', examples: [{ level: 'debug' }] }),
  })
  .meta({ title: 'Switchyard configuration', description: 'The Switchyard load balancer configuration file (YAML or JSON).' });

/** What users write (before defaults). */
export type ConfigInput = z.input<typeof ConfigSchema>;
/** After schema defaults, before normalization. */
export type ConfigParsed = z.output<typeof ConfigSchema>;
export type BackendInput = z.input<typeof Backend>;
export type PoolParsed = z.output<typeof PoolSchema>;
export type ListenerParsed = z.output<typeof ListenerSchema>;

export { NAME_RE, NAME_RULE };

/** The JSON Schema that editors use to complete and check the YAML. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ConfigSchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' });
}
