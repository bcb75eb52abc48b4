/**
 * A command's parameters from an HTTP request: the route's `:name` segments, then the query
 * string (GET, DELETE) or the body (POST, PUT: a JSON object, at most 4 MiB; a command taking a
 * whole configuration also takes it as a raw YAML or JSON body). Checked by the command's own
 * schema; a rejection names each field.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError, badRequest } from './http-errors.js';
import { CONFIG_TEXT_PARAM, formatParamIssues, paramFields, parseParams, valueFromTexts } from './param-fields.js';
import type { Command } from './commands.js';

export const MAX_BODY_BYTES = 4 * 1024 * 1024;

const JSON_TYPES = new Set(['application/json']);
const TEXT_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'text/plain']);

function tooLarge(): HttpError {
  return new HttpError(413, 'SY_BAD_REQUEST', `the body is larger than ${MAX_BODY_BYTES / (1024 * 1024)} MiB`, { headers: { connection: 'close' } });
}

/** The whole body, refused (413) past `max` bytes without reading further. */
export async function readBody(req: IncomingMessage, max = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > max) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function utf8(body: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw badRequest('the body is not valid UTF-8');
  }
}

async function bodyParams(req: IncomingMessage, command: Command): Promise<Record<string, unknown>> {
  const body = await readBody(req);
  if (body.length === 0) return {};
  const type = mediaType(req);
  const takesText = Object.hasOwn(command.params.shape, CONFIG_TEXT_PARAM);
  if (takesText && TEXT_TYPES.has(type)) return { [CONFIG_TEXT_PARAM]: utf8(body) };
  if (!JSON_TYPES.has(type)) {
    const accepted = takesText ? 'application/json, application/yaml, text/yaml or text/plain' : 'application/json';
    throw new HttpError(415, 'SY_BAD_REQUEST', `the body must be ${accepted}, got ${type === '' ? 'no Content-Type' : `"${type}"`}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8(body));
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw badRequest(`the body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badRequest('the body must be a JSON object of parameters');
  return parsed as Record<string, unknown>;
}

function queryParams(command: Command, query: URLSearchParams): Record<string, unknown> {
  const fields = paramFields(command.params);
  const out: Record<string, unknown> = {};
  for (const key of new Set(query.keys())) {
    const raws = query.getAll(key);
    const field = fields.find((f) => f.name === key);
    out[key] = field === undefined ? (raws.length === 1 ? raws[0] : raws) : valueFromTexts(field, raws);
  }
  return out;
}

/** Every parameter of `command` in the request, before the schema's check. */
export async function requestParams(req: IncomingMessage, command: Command, pathParams: Readonly<Record<string, string>>, query: URLSearchParams): Promise<Record<string, unknown>> {
  const method = command.http.method;
  let rest: Record<string, unknown>;
  if (method === 'GET' || method === 'DELETE') {
    rest = queryParams(command, query);
  } else {
    const first = [...query.keys()][0];
    if (first !== undefined) throw badRequest(`${first}: ${method} takes its parameters in a JSON body, not in the query string`, { issues: [{ path: first, message: 'belongs in the JSON body' }] });
    rest = await bodyParams(req, command);
  }
  for (const [k, v] of Object.entries(pathParams)) {
    if (Object.hasOwn(rest, k) && rest[k] !== v) {
      throw badRequest(`${k}: the path says ${JSON.stringify(v)}, the request also gives ${JSON.stringify(rest[k])}`, { issues: [{ path: k, message: 'differs from the path' }] });
    }
  }
  return { ...rest, ...pathParams };
}

/** The parameters checked by the command's schema (defaults filled in), or a 400 naming each field. */
export function checkParams(command: Command, raw: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const r = parseParams(command.params, raw);
  if (r.ok) return r.value;
  throw badRequest(formatParamIssues(r.issues), { issues: r.issues });
}
