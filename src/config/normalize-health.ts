/** Normalization of a pool's health settings: durations to ms, per-backend probe overrides merged. */
import { SwitchyardError } from '../core/errors.js';
import { parseDuration, parseSize } from '../core/units.js';
import { parseStatusRanges } from '../core/status-ranges.js';
import type { z } from 'zod';
import type { ActiveProbeSchema, BackendProbeOverride, PassiveHealthSchema } from './schema-health.js';
import type { ActiveProbeSpec, PassiveHealthSpec } from './model.js';

type ActiveParsed = z.output<typeof ActiveProbeSchema>;
type OverrideParsed = z.output<typeof BackendProbeOverride>;
type PassiveParsed = z.output<typeof PassiveHealthSchema>;

const ALL_DOWN_DEFAULT_MS = 1000;

function fail(path: string, reason: string): never {
  throw new SwitchyardError('SY_CONFIG_INVALID', `${path}: ${reason}`, { details: { issues: [{ path, message: reason }] } });
}

function ms(value: string | number, path: string): number {
  const r = parseDuration(value);
  return r.ok ? r.value : fail(path, r.reason);
}

const MAX_EJECTION_DEFAULT_MS = 300_000;

export function passiveHealth(p: PassiveParsed, at: string): PassiveHealthSpec {
  const baseEjectionMs = ms(p.baseEjectionTime, `${at}.baseEjectionTime`);
  return {
    consecutiveLocalFailures: p.consecutiveFailures,
    consecutive5xx: p.consecutive5xx,
    baseEjectionMs,
    maxEjectionMs: p.maxEjectionTime === undefined ? Math.max(MAX_EJECTION_DEFAULT_MS, baseEjectionMs) : ms(p.maxEjectionTime, `${at}.maxEjectionTime`),
    maxEjectedPercent: p.maxEjectedPercent,
  };
}

/**
 * The probe spec of one backend: the pool's `active` with the backend's override on top.
 * `at` names the pool's `health.active` for messages; `overrideAt` the backend's `probe`.
 */
export function backendProbe(
  pool: ActiveParsed | undefined,
  override: OverrideParsed | undefined,
  backendPort: number,
  at: string,
  overrideAt: string,
): ActiveProbeSpec | undefined {
  if (override === false || pool === undefined) return undefined;
  const o = override ?? {};
  const type = o.type ?? pool.type;
  const intervalMs = ms(o.interval ?? pool.interval, o.interval === undefined ? `${at}.interval` : `${overrideAt}.interval`);
  const downRaw = o.downInterval ?? pool.downInterval;
  const downIntervalMs = downRaw === undefined ? intervalMs : ms(downRaw, `${overrideAt}.downInterval`);
  const allDownRaw = o.allDownInterval ?? pool.allDownInterval;
  const allDownIntervalMs = allDownRaw === undefined ? Math.min(downIntervalMs, ALL_DOWN_DEFAULT_MS) : ms(allDownRaw, `${overrideAt}.allDownInterval`);
  const httpIn = type === 'http' ? { ...(pool.http ?? {}), ...(o.http ?? {}) } : undefined;
  let http: ActiveProbeSpec['http'];
  if (httpIn !== undefined) {
    const statuses = parseStatusRanges(httpIn.expectStatus ?? '200-399');
    if (!statuses.ok) fail(`${at}.http.expectStatus`, statuses.reason);
    const maxBody = parseSize(httpIn.maxBody ?? '4KiB');
    if (!maxBody.ok) fail(`${at}.http.maxBody`, maxBody.reason);
    http = {
      method: httpIn.method ?? 'GET',
      path: httpIn.path ?? '/',
      host: httpIn.host,
      expectStatus: statuses.ranges,
      bodyContains: httpIn.bodyContains,
      maxBodyBytes: maxBody.value,
    };
  }
  return {
    type,
    intervalMs,
    downIntervalMs,
    allDownIntervalMs,
    jitterPercent: o.jitter ?? pool.jitter,
    timeoutMs: ms(o.timeout ?? pool.timeout, `${at}.timeout`),
    rise: o.rise ?? pool.rise,
    fall: o.fall ?? pool.fall,
    initialState: o.initialState ?? pool.initialState,
    port: o.port ?? pool.port ?? backendPort,
    http,
  };
}
