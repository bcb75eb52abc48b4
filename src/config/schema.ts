/**
 * The configuration schema: the one source of the config types, the JSON Schema
 * (`switchyard schema`) and the generated reference (docs/config-reference.md).
 * Values here are what users write; normalize.ts turns them into the runtime model.
 */
import { z } from 'zod';
import { parseEndpoint, portReason, hostReason } from '../core/address.js';
import { parseDuration, parseSize } from '../core/units.js';
import { POLICY_NAMES } from './policy-names.js';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const NAME_RULE = 'must be 1–64 letters, digits, "_", "." or "-", starting with a letter or digit';

const refineWith =
  (check: (v: string | number) => string | undefined) =>
  (v: string | number, ctx: z.core.$RefinementCtx<string | number>): void => {
    const reason = check(v);
    if (reason !== undefined) ctx.addIssue({ code: 'custom', message: reason, input: v });
  };

export const Duration = z
  .union([z.string(), z.number()])
  .superRefine(refineWith((v) => {
    const r = parseDuration(v);
    return r.ok ? undefined : r.reason;
  }))
  .meta({ description: 'A duration: "250ms", "5s", "2m", "1h", or a number of milliseconds.' });

export const Size = z
  .union([z.string(), z.number()])
  .superRefine(refineWith((v) => {
    const r = parseSize(v);
    return r.ok ? undefined : r.reason;
  }))
  .meta({ description: 'A size: "16KiB", "1MiB", "64KB", or a number of bytes.' });

const Port = z
  .number()
  .superRefine((v, ctx) => {
    const reason = portReason(v);
    if (reason !== undefined) ctx.addIssue({ code: 'custom', message: reason, input: v });
  })
  .meta({ description: 'TCP port, 1–65535.' });

const Count = (what: string): z.ZodNumber => z.number().int().min(0).meta({ description: what });

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
      .meta({ description: 'Relative share of traffic for weighted policies (0–1000). 0 keeps the backend configured but sends it nothing.' }),
    name: z
      .string()
      .regex(NAME_RE, { message: NAME_RULE })
      .optional()
      .meta({ description: 'A name for logs, metrics and the admin API. Defaults to "host:port". Must be unique in its pool.' }),
    maxConnections: Count('Most open connections to this backend at once; 0 takes the pool\'s `maxConnectionsPerBackend`.').default(0),
  })
  .meta({ description: 'A backend server.' });

export const Backend = z.union([BackendAddress, BackendObject]);

export const PoolSchema = z
  .strictObject({
    policy: z.enum(POLICY_NAMES).default('round-robin').meta({ description: 'The balancing policy; see the README for each.' }),
    backends: z.array(Backend).meta({ description: 'The backends: "host:port" strings or objects.' }),
    maxConnectionsPerBackend: Count('Default limit of open connections per backend (0 = unlimited). A backend at its limit is skipped.').default(0),
    connectTimeout: Duration.optional().meta({ description: 'Overrides `timeouts.connect` for this pool.' }),
    failover: z
      .strictObject({
        attempts: z
          .number()
          .int()
          .min(1)
          .max(16)
          .default(3)
          .meta({ description: 'Most backends tried for one client connection (each at most once) before the client is closed.' }),
      })
      .prefault({})
      .meta({ description: 'Connect failover: when a backend refuses, resets or times out, the next eligible one is tried.' }),
    recheck: z
      .strictObject({
        interval: Duration.default('5s').meta({ description: 'How often a backend taken out after a failed connect is tried again.' }),
        allDownInterval: Duration.default('1s').meta({ description: 'The faster re-check interval used while every backend of the pool is out.' }),
      })
      .prefault({})
      .meta({ description: 'Re-checking of backends taken out of rotation after a failed connect.' }),
  })
  .meta({ description: 'A named set of backends with a balancing policy.' });

export const ListenerSchema = z
  .strictObject({
    protocol: z.enum(['tcp']).default('tcp').meta({ description: 'What the listener speaks. `tcp` forwards bytes (layer 4).' }),
    bind: z
      .union([BindAddress, z.array(BindAddress).min(1)])
      .meta({ description: 'One address or a list of addresses to listen on.', examples: ['*:8080', ['127.0.0.1:8080', '[::1]:8080']] }),
    pool: z.string().optional().meta({ description: 'The pool this listener sends traffic to. Shorthand for `pools: [name]`.' }),
    pools: z
      .array(z.string())
      .min(1)
      .optional()
      .meta({ description: 'Several pools (blue/green groups), of which `activePool` receives new connections.', examples: [['blue', 'green']] }),
    activePool: z.string().optional().meta({ description: 'Which of `pools` is active at start. Defaults to the first.' }),
    maxConnections: Count('Most client connections open at once on this listener (0 = unlimited). Excess connections are closed at once and counted.').default(10000),
    idleTimeout: Duration.optional().meta({ description: 'Overrides `timeouts.idle` for this listener.' }),
  })
  .meta({ description: 'A set of bound addresses and the pool(s) they forward to.' });

export const ConfigSchema = z
  .strictObject({
    listeners: z.record(z.string(), ListenerSchema).meta({ description: 'Listeners by name.' }),
    pools: z.record(z.string(), PoolSchema).meta({ description: 'Pools by name.' }),
    timeouts: z
      .strictObject({
        connect: Duration.default('3s').meta({ description: 'Longest wait for a backend to accept a connection before failing over.' }),
        idle: Duration.default('5m').meta({ description: 'A connection with no bytes in either direction for this long is closed. 0 disables.' }),
        drain: Duration.default('6s').meta({ description: 'On SIGTERM/SIGINT, how long open connections may finish before they are closed.' }),
      })
      .prefault({})
      .meta({ description: 'Timeouts; pools and listeners may override some.' }),
    bufferSize: Size.default('64KiB').meta({
      description: 'How much each direction of a connection buffers before reading pauses (backpressure).',
    }),
    resolve: z
      .enum(['once', 'per-connection'])
      .default('once')
      .meta({ description: '`once`: backend host names are resolved when the config loads. `per-connection`: resolved again at each connect (DNS changes are followed).' }),
    log: z
      .strictObject({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info').meta({ description: 'Least severe level written.' }),
      })
      .prefault({})
      .meta({ description: 'Logging.' }),
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
  return z.toJSONSchema(ConfigSchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
}
