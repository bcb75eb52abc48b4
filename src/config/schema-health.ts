/**
 * The health part of a pool's schema: active probes (HAProxy's `check` with rise/fall),
 * passive outlier detection (Envoy's consecutive errors with growing ejection times),
 * slow start and panic mode.
 */
import { z } from 'zod';
import { Duration, Size } from './schema-primitives.js';
import { parseStatusRanges } from '../core/status-ranges.js';

const PROBE_METHODS = ['GET', 'HEAD', 'OPTIONS'] as const;

/** "200", "200-399", "2xx", or a list of these; the reason names the bad item. */
export const StatusList = z
  .union([z.number().int(), z.string(), z.array(z.union([z.number().int(), z.string()])).min(1)])
  .superRefine((v, ctx) => {
    const r = parseStatusRanges(v);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.reason, input: v });
  })
  .meta({ description: 'Statuses that count as healthy: a code (200), a range ("200-399"), a class ("2xx"), or a list of these.', examples: ['200-399', ['200', '204']] });

export const HttpProbeSchema = z
  .strictObject({
    method: z.enum(PROBE_METHODS).default('GET').meta({ description: 'Request method of the probe.', examples: ['HEAD'] }),
    path: z
      .string()
      .regex(/^\/[^\s]*$/, { message: 'must start with "/" and contain no spaces' })
      .default('/')
      .meta({ description: 'Request target of the probe.', examples: ['/health'] }),
    host: z.string().min(1).optional().meta({ description: 'Host header of the probe. Defaults to the backend\'s "host:port".', examples: ['app.example.com'] }),
    expectStatus: StatusList.default('200-399'),
    bodyContains: z.string().min(1).optional().meta({ description: 'A text the first `maxBody` bytes of the body must contain.', examples: ['"status":"ok"'] }),
    maxBody: Size.default('4KiB').meta({ description: 'The most of a response body a probe reads; it stops there.', examples: ['1KiB'] }),
  })
  .meta({ description: 'What an HTTP probe sends and expects. Redirects are never followed: a 3xx is a status like any other.', examples: [{ path: '/health', expectStatus: '200' }] });

const activeFields = {
  type: z.enum(['tcp', 'http']).meta({ description: '`tcp`: the backend accepts a connection. `http`: it answers an HTTP request as `http` expects.', examples: ['http'] }),
  interval: Duration.meta({ description: 'Time between probes of a backend that is up.', examples: ['5s'] }),
  downInterval: Duration.meta({ description: 'Time between probes of a backend that is down. Defaults to `interval`.', examples: ['1s'] }),
  allDownInterval: Duration.meta({ description: 'Time between probes while every backend of the pool is down. Defaults to the smaller of `downInterval` and 1s.', examples: ['500ms'] }),
  jitter: z.number().min(0).max(50).meta({ description: 'Each wait is shortened or lengthened at random by up to this percent, so probes of many backends spread out.', examples: [20] }),
  timeout: Duration.meta({ description: 'A probe that has not succeeded within this time fails.', examples: ['2s'] }),
  rise: z.number().int().min(1).max(100).meta({ description: 'Consecutive successful probes that bring a down backend up.', examples: [3] }),
  fall: z.number().int().min(1).max(100).meta({ description: 'Consecutive failed probes that take an up backend down.', examples: [2] }),
  initialState: z.enum(['up', 'down']).meta({ description: 'The state a backend starts in (at start and when added): `up` takes traffic at once; `down` waits for `rise` probes.', examples: ['down'] }),
  port: z.number().int().min(1).max(65535).optional().meta({ description: 'Probe this port instead of the backend\'s own.', examples: [9000] }),
  http: HttpProbeSchema.optional().meta({ description: 'HTTP probe settings (type: http).' }),
};

export const ActiveProbeSchema = z
  .strictObject({
    type: activeFields.type.default('tcp'),
    interval: activeFields.interval.default('2s'),
    downInterval: activeFields.downInterval.optional(),
    allDownInterval: activeFields.allDownInterval.optional(),
    jitter: activeFields.jitter.default(10),
    timeout: activeFields.timeout.default('1s'),
    rise: activeFields.rise.default(2),
    fall: activeFields.fall.default(3),
    initialState: activeFields.initialState.default('up'),
    port: activeFields.port,
    http: activeFields.http,
  })
  .meta({ description: 'Active health probes of every backend of the pool.', examples: [{ type: 'http', interval: '2s', http: { path: '/health' } }] });

/** Per-backend override: any key of the pool's `active`, or `false` for no probes of this backend. */
export const BackendProbeOverride = z
  .union([
    z.literal(false),
    z.strictObject({
      type: activeFields.type.optional(),
      interval: activeFields.interval.optional(),
      downInterval: activeFields.downInterval.optional(),
      allDownInterval: activeFields.allDownInterval.optional(),
      jitter: activeFields.jitter.optional(),
      timeout: activeFields.timeout.optional(),
      rise: activeFields.rise.optional(),
      fall: activeFields.fall.optional(),
      initialState: activeFields.initialState.optional(),
      port: activeFields.port,
      http: HttpProbeSchema.partial().optional().meta({ description: 'HTTP probe settings that differ from the pool\'s.' }),
    }),
  ])
  .meta({ description: 'This backend\'s probe settings where they differ from the pool\'s `health.active` (which must be set), or `false` to never probe it.', examples: [{ port: 9000 }, false] });

export const PassiveHealthSchema = z
  .strictObject({
    consecutiveFailures: z
      .number()
      .int()
      .min(0)
      .default(5)
      .meta({ description: 'Connect failures, resets before an answer and connect timeouts in a row that eject a backend. 0 disables.', examples: [3] }),
    consecutive5xx: z
      .number()
      .int()
      .min(0)
      .default(5)
      .meta({ description: 'HTTP pools: 5xx responses in a row that eject a backend. 0 disables.', examples: [10] }),
    baseEjectionTime: Duration.default('30s').meta({ description: 'How long the first ejection lasts; the n-th lasts n times as long (one step less for each such time spent back in service).', examples: ['10s'] }),
    maxEjectionTime: Duration.optional().meta({ description: 'The longest an ejection lasts. Defaults to 5m, or to `baseEjectionTime` when that is longer.', examples: ['2m'] }),
    maxEjectedPercent: z
      .number()
      .min(0)
      .max(100)
      .default(50)
      .meta({ description: 'At most this share of the pool\'s backends is ejected at once (but one backend may always be). 0 turns ejection off.', examples: [20] }),
  })
  .meta({ description: 'Passive health (outlier detection) from real traffic.', examples: [{ consecutiveFailures: 3, baseEjectionTime: '10s' }] });

export const PoolHealthSchema = z
  .strictObject({
    active: ActiveProbeSchema.optional(),
    passive: PassiveHealthSchema.prefault({}),
  })
  .meta({ description: 'Health: active probes (off unless set) and passive outlier detection (on by default).', examples: [{ active: { type: 'tcp', interval: '5s' } }] });
