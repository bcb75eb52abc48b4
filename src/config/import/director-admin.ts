/**
 * `<admin>` of txLoadBalancer / PythonDirector: the web dashboard, the SSH console and their
 * users become Switchyard's `admin` section. What cannot carry over is said where it applies:
 * password hashes are never copied (each user needs a token from `switchyard token`), a
 * listener on every interface is moved to loopback until users have tokens (Switchyard refuses
 * an open admin API on a network), and the SSH console needs a host key and users' public keys.
 */
import { parseLegacyAddress, type DraftBuilder } from './draft.js';
import { describeElement, type XmlElement } from './xml-tree.js';
import { formatEndpoint } from '../../core/address.js';

/** Traditional DES crypt (13 characters) or a "$id$salt$hash" crypt string. */
const CRYPT_RE = /^(?:[./0-9A-Za-z]{13}|\$[0-9a-z]+\$[^\s$]*\$[./0-9A-Za-z]+)$/;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function enabled(el: XmlElement): boolean {
  return (el.attrs.enable ?? 'true').toLowerCase() !== 'false';
}

export function describeAdmin(b: DraftBuilder, admin: XmlElement): void {
  const out: Record<string, unknown> = {};
  const web = admin.children.find((c) => c.name === 'web');
  const listen = web?.attrs.listen ?? admin.attrs.listen;
  const webPlace = { path: web ? describeElement(web, 'listen') : describeElement(admin, 'listen'), line: (web ?? admin).line };
  if (listen !== undefined && (web === undefined || enabled(web))) {
    const ep = parseLegacyAddress(listen, 'listen', true);
    if (!ep.ok) {
      b.fail(webPlace, ep.reason);
      return;
    }
    const host = ep.value.host === '*' || ep.value.host === '0.0.0.0' || ep.value.host === '::' ? '*' : ep.value.host;
    if (host === 'localhost' || isLoopback(host)) out.bind = formatEndpoint({ host: host === 'localhost' ? '127.0.0.1' : host, port: ep.value.port });
    else {
      out.bind = formatEndpoint({ host: '127.0.0.1', port: ep.value.port });
      b.note(
        webPlace,
        `the web admin listened on ${listen}; it is moved to 127.0.0.1:${ep.value.port} because Switchyard refuses an admin API reachable from a network without tokens: give each user a tokenHash (\`switchyard token --name NAME\`), then set admin.bind back to "${formatEndpoint({ host, port: ep.value.port })}"`,
        ['admin', 'bind'],
      );
    }
    if (web?.attrs.secure === 'true') {
      b.note(webPlace, 'served over HTTPS; set admin.tls.cert and admin.tls.key to your certificate and key files (they cannot be guessed)', ['admin']);
    }
    if (web?.attrs.refresh !== undefined) {
      b.note({ path: describeElement(web, 'refresh'), line: web.line }, `the page refreshed every ${web.attrs.refresh} seconds; Switchyard's dashboard updates itself every second, so there is nothing to set`, ['admin']);
    }
  } else if (listen !== undefined) {
    b.note(webPlace, `the web admin on ${listen} was disabled; no admin section is written for it`, 'end');
  }

  const users: Record<string, unknown>[] = [];
  for (const el of admin.children.filter((c) => c.name === 'user')) {
    const a = el.attrs;
    const access = a.access === 'readonly' ? 'readonly' : 'full';
    const crypt = a.password !== undefined && CRYPT_RE.test(a.password);
    const secret = a.password === undefined ? 'no password' : crypt ? 'a unix crypt() password hash' : 'a password';
    const index = users.length;
    users.push({ name: a.name ?? `user${index + 1}`, access });
    b.note(
      { path: describeElement(el), line: el.line },
      `had ${secret}, which is not copied (Switchyard uses bearer tokens): run \`switchyard token --name ${a.name ?? 'NAME'} --access ${access}\` and add the tokenHash it prints to this user`,
      ['admin', 'users', index],
    );
    if (a.access !== undefined && a.access !== 'full' && a.access !== 'readonly') {
      b.note({ path: describeElement(el, 'access'), line: el.line }, `access "${a.access}" is not known; written as "full"`, ['admin', 'users', index]);
    }
  }

  const ssh = admin.children.find((c) => c.name === 'ssh');
  if (ssh && enabled(ssh)) {
    b.note(
      { path: describeElement(ssh, 'listen'), line: ssh.line },
      `the SSH console on ${ssh.attrs.listen ?? '?'} is not switched on: it needs a host key file and users' public keys, which the old file does not have; set admin.ssh { bind: "${ssh.attrs.listen ?? '127.0.0.1:2222'}", hostKey: FILE } and each user's sshKeys`,
      ['admin'],
    );
  }

  for (const el of admin.children.filter((c) => !['web', 'ssh', 'user'].includes(c.name))) {
    b.note({ path: `<${el.name}>`, line: el.line }, 'is not known and was left out', 'end');
  }
  if (out.bind === undefined && users.length === 0) return;
  if (users.length > 0) out.users = users;
  b.draft.config.admin = out;
}
