/**
 * Method names without allocation for the common methods: buf[s, e) is compared byte for
 * byte (methods are case-sensitive, so only exact upper-case spellings match) and an
 * interned string literal is returned; any other token method is sliced once.
 */
import { asciiBytes } from './tokens.js';

const M_GET = asciiBytes('GET');
const M_PUT = asciiBytes('PUT');
const M_PRI = asciiBytes('PRI');
const M_POST = asciiBytes('POST');
const M_HEAD = asciiBytes('HEAD');
const M_PATCH = asciiBytes('PATCH');
const M_TRACE = asciiBytes('TRACE');
const M_DELETE = asciiBytes('DELETE');
const M_OPTIONS = asciiBytes('OPTIONS');
const M_CONNECT = asciiBytes('CONNECT');

function same(buf: Buffer, s: number, lit: Uint8Array): boolean {
  for (let i = 0; i < lit.length; i++) if (buf[s + i] !== lit[i]) return false;
  return true;
}

/** The method buf[s, e) as a string; see the top of the file. */
export function methodName(buf: Buffer, s: number, e: number): string {
  switch (e - s) {
    case 3:
      if (same(buf, s, M_GET)) return 'GET';
      if (same(buf, s, M_PUT)) return 'PUT';
      if (same(buf, s, M_PRI)) return 'PRI';
      break;
    case 4:
      if (same(buf, s, M_POST)) return 'POST';
      if (same(buf, s, M_HEAD)) return 'HEAD';
      break;
    case 5:
      if (same(buf, s, M_PATCH)) return 'PATCH';
      if (same(buf, s, M_TRACE)) return 'TRACE';
      break;
    case 6:
      if (same(buf, s, M_DELETE)) return 'DELETE';
      break;
    case 7:
      if (same(buf, s, M_OPTIONS)) return 'OPTIONS';
      if (same(buf, s, M_CONNECT)) return 'CONNECT';
      break;
  }
  return buf.toString('latin1', s, e);
}
