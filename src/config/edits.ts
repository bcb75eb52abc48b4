/**
 * Config edits: runtime changes (add a backend, drain one, switch a pool) expressed as
 * changes to what the user wrote (the `ConfigInput` object), so that the result is validated
 * whole like any file and can be written back to it (persist.ts). Pure.
 */
import { SwitchyardError } from '../core/errors.js';
import { describeKind, describeValue, renderPath } from './format-issues.js';

/** Keys into the config input: strings into objects, numbers into lists. */
export type ConfigPath = readonly (string | number)[];

export type ConfigEdit =
  | { readonly op: 'set'; readonly path: ConfigPath; readonly value: unknown }
  | { readonly op: 'delete'; readonly path: ConfigPath };

type Obj = Record<string, unknown>;
type Container = Obj | unknown[];

/** Keys that would reach an object's prototype instead of one of its own entries. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(path: ConfigPath, message: string): never {
  const where = renderPath(path) || '(the whole config)';
  throw new SwitchyardError('SY_CONFIG_INVALID', `${where}: ${message}`, { details: { issues: [{ path: renderPath(path), message }] } });
}

/** A copy of plain data (objects, lists, scalars); own entries only, never a prototype. */
export function cloneData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneData);
  if (isObj(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneData(v)]));
  return value;
}

function checkKey(path: ConfigPath, i: number): void {
  const key = path[i];
  if (typeof key === 'number') {
    if (!Number.isInteger(key) || key < 0) invalid(path.slice(0, i + 1), `list index must be a whole number 0 or more, got ${key}`);
  } else if (typeof key !== 'string') {
    invalid(path.slice(0, i), `path keys must be strings or list indexes, got ${describeKind(key)}`);
  } else if (FORBIDDEN_KEYS.has(key)) {
    invalid(path.slice(0, i + 1), `"${key}" cannot be used as a key`);
  }
}

/** The entry `key` of a container, or a reason why `key` does not fit it. */
function childOf(container: Container, key: string | number): { value: unknown } | { reason: string } {
  if (Array.isArray(container)) {
    if (typeof key !== 'number') return { reason: `is a list, so it is indexed by number, not by ${describeValue(key)}` };
    return { value: container[key] };
  }
  const k = String(key);
  return { value: Object.hasOwn(container, k) ? container[k] : undefined };
}

function scalarReason(value: unknown, rest: ConfigPath): string {
  const what = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? `${describeKind(value)} (${describeValue(value)})` : describeKind(value);
  return `is ${what}, not an object or a list, so ${renderPath(rest)} cannot be reached inside it; set the whole value instead`;
}

function setIn(root: unknown, path: ConfigPath, value: unknown): unknown {
  if (path.length === 0) return value;
  let container: Container;
  if (Array.isArray(root) || isObj(root)) container = root;
  else if (root === undefined || root === null) container = typeof path[0] === 'number' ? [] : {};
  else return invalid([], scalarReason(root, path));
  const top = container;
  for (let i = 0; i < path.length; i++) {
    checkKey(path, i);
    const key = path[i] as string | number;
    const last = i === path.length - 1;
    const child = childOf(container, key);
    if ('reason' in child) return invalid(path.slice(0, i), child.reason);
    let next = child.value;
    if (!last) {
      if (next === undefined || next === null) next = typeof path[i + 1] === 'number' ? [] : {};
      else if (!Array.isArray(next) && !isObj(next)) return invalid(path.slice(0, i + 1), scalarReason(next, path.slice(i + 1)));
    } else next = value;
    if (Array.isArray(container)) {
      const index = Math.min(key as number, container.length);
      container[index] = next;
    } else container[String(key)] = next;
    if (!last) container = next as Container;
  }
  return top;
}

function deleteIn(root: unknown, path: ConfigPath): unknown {
  if (path.length === 0) return invalid([], 'the whole config cannot be deleted');
  let container: unknown = root;
  for (let i = 0; i < path.length; i++) {
    checkKey(path, i);
    const key = path[i] as string | number;
    if (container === undefined || container === null) return root;
    if (!Array.isArray(container) && !isObj(container)) return invalid(path.slice(0, i), scalarReason(container, path.slice(i)));
    const child = childOf(container, key);
    if ('reason' in child) return invalid(path.slice(0, i), child.reason);
    if (i === path.length - 1) {
      if (Array.isArray(container)) {
        if ((key as number) < container.length) container.splice(key as number, 1);
      } else delete container[String(key)];
      return root;
    }
    container = child.value;
  }
  return root;
}

/**
 * A deep copy of `input` with the edits applied in order. Setting a path creates missing
 * objects (lists where the next key is a number); setting a list index at or beyond the end
 * appends; deleting a list item removes it (later indexes shift); deleting what is not there
 * does nothing. Throws SY_CONFIG_INVALID naming the path when a path goes through a scalar.
 */
export function applyEdits(input: unknown, edits: readonly ConfigEdit[]): unknown {
  let out = cloneData(input);
  for (const edit of edits) {
    out = edit.op === 'set' ? setIn(out, edit.path, cloneData(edit.value)) : deleteIn(out, edit.path);
  }
  return out;
}
