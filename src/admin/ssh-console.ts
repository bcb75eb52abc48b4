/**
 * The SSH console: an SSH server (the `ssh2` package) for the admin users' public keys only.
 * A session is either the interactive console (`shell`: prompt, line editor, Tab completion)
 * or one command line (`exec`, for scripts: its output, then exit status 0 or 1). The
 * commands are the admin command table's, checked and rendered by ./console/interpreter.ts.
 */
import { readFile } from 'node:fs/promises';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import ssh2 from 'ssh2';
import type { AuthContext, Connection, ParsedKey, ServerChannel, Session } from 'ssh2';
import { SwitchyardError } from '../core/errors.js';
import { formatEndpoint } from '../core/address.js';
import type { AdminSpec } from '../config/model.js';
import type { Logger } from '../observability/logger.js';
import type { ControlPlane } from './control-plane.js';
import { runLine, type ConsoleContext, type ConsoleUser } from './console/interpreter.js';
import { LineEditor } from './console/line-editor.js';
import { complete } from './console/complete.js';

const { Server, utils } = ssh2;

export const CONSOLE_PROMPT = 'switchyard> ';
/** The most standard input a one-command session reads (a whole configuration). */
const MAX_INPUT = 4 * 1024 * 1024;
/** A connection that has not logged in by then is closed. */
const LOGIN_TIMEOUT_MS = 30_000;

export interface SshConsoleOptions {
  readonly spec: AdminSpec;
  readonly control: ControlPlane;
  readonly logger: Logger;
}

export interface SshConsole {
  readonly port: number;
  addresses(): { address: string; port: number }[];
  /** Stops listening and ends every open session. */
  close(): Promise<void>;
}

interface KeyedUser extends ConsoleUser {
  readonly keys: readonly ParsedKey[];
}

function hostKeyError(file: string, why: string, cause?: unknown): SwitchyardError {
  const issue = { path: 'admin.ssh.hostKey', message: `cannot use the SSH host key "${file}": ${why}` };
  return new SwitchyardError('SY_CONFIG_INVALID', `${issue.path}: ${issue.message}`, { cause, details: { issues: [issue] } });
}

async function readHostKey(file: string): Promise<Buffer> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (code ?? 'unreadable');
    throw hostKeyError(file, why, err);
  }
  const parsed = utils.parseKey(data);
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
  if (key === undefined || key instanceof Error) throw hostKeyError(file, `not a key (${key instanceof Error ? key.message : 'empty'})`);
  if (!key.isPrivateKey()) throw hostKeyError(file, 'it is a public key; the host key must be the private key');
  return data;
}

function parseUsers(spec: AdminSpec, log: Logger): Map<string, KeyedUser> {
  const users = new Map<string, KeyedUser>();
  for (const u of spec.users) {
    const keys: ParsedKey[] = [];
    u.sshKeys.forEach((line, i) => {
      const parsed = utils.parseKey(line);
      const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
      if (key === undefined || key instanceof Error) log.warn({ user: u.name, key: i }, 'ssh console: an authorized key of this user cannot be read; it is ignored');
      else keys.push(key);
    });
    if (keys.length > 0) users.set(u.name, { name: u.name, access: u.access, keys });
  }
  return users;
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The user a public-key request names, if the offered key is one of theirs and (when signed) the signature holds. */
function checkKey(ctx: AuthContext, users: ReadonlyMap<string, KeyedUser>): KeyedUser | undefined {
  if (ctx.method !== 'publickey') return undefined;
  const user = users.get(ctx.username);
  const key = user?.keys.find((k) => k.type === ctx.key.algo && sameBytes(k.getPublicSSH(), ctx.key.data));
  if (user === undefined || key === undefined) return undefined;
  if (ctx.signature === undefined) return user;
  return ctx.blob !== undefined && key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true ? user : undefined;
}

/** All of a channel's input, up to MAX_INPUT. */
function readAll(ch: ServerChannel): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    ch.on('data', (d: Buffer) => {
      size += d.length;
      if (size > MAX_INPUT) {
        ch.removeAllListeners('data');
        reject(new SwitchyardError('SY_CLI_USAGE', `standard input is over ${MAX_INPUT / 1024 / 1024} MiB`));
      } else chunks.push(d);
    });
    ch.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    ch.once('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function endChannel(ch: ServerChannel, status: number): void {
  if (ch.destroyed) return;
  ch.exit(status);
  ch.end();
}

async function runExec(ch: ServerChannel, line: string, ctx: ConsoleContext, tty: boolean): Promise<void> {
  const out = (text: string): string => (tty ? text.replace(/\r?\n/g, '\r\n') : text);
  const reply = await runLine({ ...ctx, readInput: () => readAll(ch) }, line);
  if (reply.text !== '' && !ch.destroyed) (reply.ok ? ch : ch.stderr).write(out(`${reply.text}\n`));
  endChannel(ch, reply.ok ? 0 : 1);
}

function runShell(ch: ServerChannel, ctx: ConsoleContext, tty: boolean): void {
  const write = (text: string): void => {
    if (!ch.destroyed) ch.write(text);
  };
  const out = (text: string): void => write(tty ? text.replace(/\r?\n/g, '\r\n') : text);
  const editor = new LineEditor({
    prompt: tty ? CONSOLE_PROMPT : '',
    write: tty ? write : () => {},
    complete: (before) => complete(before, safeStatus(ctx)),
  });
  const decoder = new StringDecoder('utf8');
  let busy = false;
  let done = false;
  let inputEnded = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    endChannel(ch, 0);
  };
  const pump = async (): Promise<void> => {
    if (busy || done) return;
    busy = true;
    try {
      for (let ev = editor.next(); ev !== undefined && !done; ev = editor.next()) {
        if (ev.type === 'eof') return finish();
        const reply = await runLine(ctx, ev.line);
        if (reply.exit === true) return finish();
        if (reply.text !== '') out(`${reply.text}\n`);
        if (!done) editor.showPrompt();
      }
    } finally {
      busy = false;
    }
    if (inputEnded) finish();
  };
  ch.on('data', (d: Buffer) => {
    editor.push(decoder.write(d));
    void pump();
  });
  ch.once('end', () => {
    inputEnded = true;
    editor.push('\n');
    void pump();
  });
  ch.once('close', () => {
    done = true;
  });
  if (tty) out(`Switchyard console, signed in as ${ctx.user.name} (${ctx.user.access} access). Type help for the commands, Tab to complete.\n`);
  editor.showPrompt();
}

function safeStatus(ctx: ConsoleContext): ReturnType<ControlPlane['status']> | undefined {
  try {
    return ctx.control.status();
  } catch {
    return undefined;
  }
}

function handleSession(session: Session, ctxFor: () => ConsoleContext): void {
  let tty = false;
  session.on('pty', (accept: (() => void) | undefined) => {
    tty = true;
    accept?.();
  });
  session.on('window-change', (accept: (() => void) | undefined) => accept?.());
  session.on('env', (accept: (() => void) | undefined) => accept?.());
  session.once('shell', (accept: () => ServerChannel) => {
    const ch = accept();
    ch.on('error', () => {});
    runShell(ch, ctxFor(), tty);
  });
  session.once('exec', (accept: () => ServerChannel, _reject: unknown, info: { command: string }) => {
    const ch = accept();
    ch.on('error', () => {});
    void runExec(ch, info.command, ctxFor(), tty);
  });
}

export async function startSshConsole(opts: SshConsoleOptions): Promise<SshConsole> {
  const ssh = opts.spec.ssh;
  if (ssh === undefined) throw new SwitchyardError('SY_CONFIG_INVALID', 'admin.ssh: the SSH console is not configured', { details: { issues: [{ path: 'admin.ssh', message: 'is not configured' }] } });
  const hostKey = await readHostKey(ssh.hostKeyFile);
  const log = opts.logger.child({ component: 'ssh-console' });
  const users = parseUsers(opts.spec, log);
  const connections = new Set<Connection>();

  const server = new Server({ hostKeys: [hostKey], ident: 'Switchyard' }, (conn, info) => {
    connections.add(conn);
    let user: KeyedUser | undefined;
    const timer = setTimeout(() => {
      if (user === undefined) conn.end();
    }, LOGIN_TIMEOUT_MS);
    conn.on('error', (err: Error) => log.debug({ remote: info.ip, err: err.message }, 'ssh console: connection error'));
    conn.on('close', () => {
      clearTimeout(timer);
      connections.delete(conn);
      if (user !== undefined) log.info({ user: user.name, remote: info.ip }, 'ssh console: logout');
    });
    conn.on('authentication', (ctx: AuthContext) => {
      const found = checkKey(ctx, users);
      if (found === undefined) {
        if (ctx.method !== 'none') log.info({ user: ctx.username, method: ctx.method, remote: info.ip }, 'ssh console: login refused');
        ctx.reject(['publickey']);
        return;
      }
      if (ctx.method === 'publickey' && ctx.signature !== undefined) user = found;
      ctx.accept();
    });
    conn.on('ready', () => {
      clearTimeout(timer);
      if (user === undefined) return conn.end();
      log.info({ user: user.name, access: user.access, remote: info.ip }, 'ssh console: login');
      const ctxFor = (): ConsoleContext => ({ control: opts.control, user: { name: user?.name ?? '', access: user?.access ?? 'readonly' }, logger: log });
      conn.on('session', (accept: () => Session) => handleSession(accept(), ctxFor));
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EADDRNOTAVAIL' ? 'address not available on this host' : (err.code ?? err.message);
      reject(new SwitchyardError('SY_LISTEN_FAILED', `ssh console: cannot listen on ${formatEndpoint(ssh.bind)}: ${why}`, { cause: err, details: { address: formatEndpoint(ssh.bind), code: err.code } }));
    };
    server.once('error', onError);
    const where = ssh.bind.host === '*' ? { port: ssh.bind.port } : { port: ssh.bind.port, host: ssh.bind.host };
    server.listen(where, () => {
      server.removeListener('error', onError);
      resolve();
    });
  });
  server.on('error', (err: Error) => log.warn({ err: err.message }, 'ssh console: server error'));
  const address = (): { address: string; port: number } => {
    const a = server.address() as AddressInfo;
    return { address: a.address, port: a.port };
  };
  const port = address().port;
  log.info({ address: formatEndpoint({ host: address().address, port }) }, 'ssh console: listening');

  let closing: Promise<void> | undefined;
  return {
    port,
    addresses: () => (closing === undefined ? [address()] : []),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const c of connections) c.end();
      });
      return closing;
    },
  };
}
