/**
 * The library API: build a balancer from a config object, start it, stop it, look at it.
 *
 *   import { createBalancer } from 'switchyard';
 *   const lb = createBalancer({ listeners: { web: { bind: '127.0.0.1:8080', pool: 'app' } },
 *                               pools: { app: { backends: ['127.0.0.1:8001', '127.0.0.1:8002'] } } });
 *   await lb.start();
 *   console.log(lb.snapshot());
 *   await lb.stop();
 */
import { SwitchyardError } from './core/errors.js';
import { validateConfig } from './config/validate.js';
import { formatIssues } from './config/format-issues.js';
import type { ConfigInput } from './config/schema.js';
import { Balancer, type BalancerOptions } from './runtime/balancer.js';

/** Validates `config` (the same shape as the YAML file) and builds a balancer; throws SY_CONFIG_INVALID with every issue. */
export function createBalancer(config: ConfigInput, options: BalancerOptions = {}): Balancer {
  const result = validateConfig(config);
  if (!result.ok) {
    throw new SwitchyardError('SY_CONFIG_INVALID', `invalid configuration:\n${formatIssues(result.issues)}`, { details: { issues: result.issues } });
  }
  return new Balancer(result.config, options);
}

export { Balancer } from './runtime/balancer.js';
export type { BalancerOptions, BalancerSnapshot, ListenerSnapshot } from './runtime/balancer.js';
export type { PoolSnapshot, BackendSnapshot } from './upstream/snapshot.js';
export { SwitchyardError, isSwitchyardError, ERROR_CODES, type ErrorCode } from './core/errors.js';
export type { ConfigInput } from './config/schema.js';
export type { RuntimeConfig, ConfigIssue } from './config/model.js';
export { validateConfig } from './config/validate.js';
export { loadConfigFile, parseConfigText } from './config/load.js';
export { formatIssue, formatIssues } from './config/format-issues.js';
export { configJsonSchema } from './config/schema.js';
export { POLICY_NAMES, type PolicyName } from './config/policy-names.js';
export { TERMINATION_CODES, type TerminationCode } from './proxy/outcomes.js';
export { createLogger, type Logger } from './observability/logger.js';
export { renderPrometheus } from './observability/metrics.js';
export { BalancerControl } from './runtime/control.js';
export type { ControlPlane, ChangeResult, StatusView } from './admin/control-plane.js';
export { startDemoBackend, type DemoBackend, type DemoBackendOptions } from './demo/demo-backend.js';
