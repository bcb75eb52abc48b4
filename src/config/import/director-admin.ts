/**
 * `<admin>` of txLoadBalancer / PythonDirector: the web dashboard, the SSH console and their
 * users. Switchyard has no admin surface yet, so all of it is written as a commented-out block
 * saying what the old file had. Password hashes are never copied: the user sets a new secret.
 */
import type { DraftBuilder } from './draft.js';
import { describeElement, type XmlElement } from './xml-tree.js';

/** Traditional DES crypt (13 characters) or a "$id$salt$hash" crypt string. */
const CRYPT_RE = /^(?:[./0-9A-Za-z]{13}|\$[0-9a-z]+\$[^\s$]*\$[./0-9A-Za-z]+)$/;

const NOT_BUILT = "Switchyard's admin API, dashboard and SSH console are not built yet";

function yamlValue(v: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(v) ? v : JSON.stringify(v);
}

function flow(entries: readonly (readonly [string, string | undefined])[]): string {
  const parts = entries.filter((e): e is readonly [string, string] => e[1] !== undefined).map(([k, v]) => `${k}: ${yamlValue(v)}`);
  return `{ ${parts.join(', ')} }`;
}

function line(el: XmlElement): string {
  return el.line === undefined ? '' : ` (line ${el.line})`;
}

export function describeAdmin(b: DraftBuilder, admin: XmlElement): void {
  const block: string[] = [`Not carried over: <admin>${line(admin)}. ${NOT_BUILT}.`, 'The old file had:', 'admin:'];
  const where = { path: describeElement(admin, 'listen'), line: admin.line };
  if (admin.attrs.listen !== undefined) {
    block.push(`  web: ${flow([['listen', admin.attrs.listen]])}`);
    b.note(where, `the web admin interface on ${admin.attrs.listen} is not carried over: ${NOT_BUILT}`);
  }
  for (const el of admin.children) {
    const a = el.attrs;
    if (el.name === 'web') {
      block.push(`  web: ${flow([['listen', a.listen], ['enable', a.enable], ['secure', a.secure], ['refresh', a.refresh === undefined ? undefined : `${a.refresh}s`]])}`);
      b.note({ path: describeElement(el, 'listen'), line: el.line }, `the web dashboard (refreshing every ${a.refresh ?? '?'} seconds) is not carried over: ${NOT_BUILT}`);
    } else if (el.name === 'ssh') {
      block.push(`  ssh: ${flow([['listen', a.listen], ['enable', a.enable]])}`);
      b.note({ path: describeElement(el, 'listen'), line: el.line }, `the SSH console is not carried over: ${NOT_BUILT}`);
    } else if (el.name === 'user') {
      const crypt = a.password !== undefined && CRYPT_RE.test(a.password);
      const secret = a.password === undefined ? 'no password' : crypt ? 'a unix crypt() password hash' : 'a password';
      if (!block.includes('  users:')) block.push('  users:');
      block.push(`    - ${flow([['name', a.name], ['access', a.access]])}   # had ${secret}: not copied; set a new secret`);
      b.note(
        { path: describeElement(el), line: el.line },
        `user with access "${a.access ?? '?'}" has ${secret}, which is not copied: set a new secret for this user when Switchyard's admin API exists (${NOT_BUILT})`,
      );
    } else {
      block.push(`  # <${el.name}>${line(el)} is not known`);
      b.note({ path: `<${el.name}>`, line: el.line }, 'is not known and was left out');
    }
  }
  b.draft.trailer.push(block.join('\n'));
}
