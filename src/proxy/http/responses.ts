/**
 * Every response Switchyard itself sends on an HTTP listener, generated once in one place:
 * short, generic bodies (no stack, no internal address), prebuilt as Buffers at load.
 */

export const OWN_STATUSES = {
  400: 'Bad Request',
  404: 'Not Found',
  408: 'Request Timeout',
  413: 'Content Too Large',
  414: 'URI Too Long',
  421: 'Misdirected Request',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
} as const;

export type OwnStatus = keyof typeof OWN_STATUSES;

function build(status: OwnStatus, close: boolean, head: boolean): Buffer {
  const reason = OWN_STATUSES[status];
  const body = `${status} ${reason}\n`;
  const lines = [
    `HTTP/1.1 ${status} ${reason}`,
    'content-type: text/plain; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    'cache-control: no-store',
    `connection: ${close ? 'close' : 'keep-alive'}`,
    '',
    '',
  ];
  return Buffer.from(lines.join('\r\n') + (head ? '' : body), 'latin1');
}

const TABLE = new Map<string, Buffer>();
for (const s of Object.keys(OWN_STATUSES)) {
  const status = Number(s) as OwnStatus;
  for (const close of [false, true]) for (const head of [false, true]) TABLE.set(`${status}:${close}:${head}`, build(status, close, head));
}

/** The bytes of Switchyard's own response: `close` says whether the connection ends after it; `head` drops the body (HEAD requests). */
export function ownResponse(status: OwnStatus, close: boolean, head = false): Buffer {
  return TABLE.get(`${status}:${close}:${head}`) as Buffer;
}

/** A JSON answer of Switchyard's own (internal endpoints). */
export function ownJsonResponse(status: 200 | 503, body: string, close: boolean, head: boolean): Buffer {
  const lines = [
    `HTTP/1.1 ${status} ${status === 200 ? 'OK' : 'Service Unavailable'}`,
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    'cache-control: no-store',
    `connection: ${close ? 'close' : 'keep-alive'}`,
    '',
    '',
  ];
  return Buffer.from(lines.join('\r\n') + (head ? '' : body), 'utf8');
}
