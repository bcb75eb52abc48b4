/**
 * Watching the config file (`switchyard run --watch`): the file's status is polled, and once a
 * change has held still for one interval the file is reloaded the way SIGHUP reloads it (a file
 * with any problem is refused whole and the running configuration stays).
 *
 * Polling, not inotify: it sees every way a file gets replaced (an editor's rename, a
 * Kubernetes ConfigMap's symlink swap, a network filesystem) at the price of one stat() per
 * interval. Waiting for the status to settle keeps a half-written file from being loaded
 * while an editor is still writing it. What the file holds is compared with what the running
 * configuration came from, so the balancer's own write-back (admin.persist) and a touch
 * reload nothing, and a refused text is not tried again until the file changes. The status is
 * looked at again after the read: a file that changed under it is read anew once it settles.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { ChangeResult } from '../admin/control-plane.js';

export interface ConfigWatchOptions {
  readonly file: string;
  readonly intervalMs: number;
  /** Loads the file's text if it is new; undefined when it was not. */
  reloadIfNew(text: string): Promise<ChangeResult | undefined>;
  /** A reload happened (`changes` may be empty when only comments or layout changed). */
  onReloaded(result: ChangeResult): void;
  onRefused(err: unknown): void;
  /** The file cannot be read now (once per distinct reason until it can again). */
  onUnreadable(reason: string): void;
  /** Reads the file (readFile as UTF-8 unless given). */
  readonly read?: (file: string) => Promise<string>;
}

export interface ConfigWatch {
  close(): void;
}

function signature(s: Stats): string {
  return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
}

export function watchConfigFile(opts: ConfigWatchOptions): ConfigWatch {
  let seen: string | undefined;
  let pending: string | undefined;
  let unreadable: string | undefined;
  let busy = false;
  let closed = false;
  const read = opts.read ?? ((file: string) => readFile(file, 'utf8'));

  /** Reports why the file cannot be read, once until it has been read again. */
  function cannotRead(err: unknown): void {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    if (reason !== unreadable && !closed) opts.onUnreadable(reason);
    unreadable = reason;
  }

  /** The file's status now, or undefined (reported) when it cannot be looked at. */
  async function look(): Promise<string | undefined> {
    try {
      return signature(await stat(opts.file));
    } catch (err) {
      cannotRead(err);
      pending = undefined;
      return undefined;
    }
  }

  async function poll(): Promise<void> {
    const now = await look();
    if (now === undefined) return;
    if (now === seen) {
      pending = undefined;
      return;
    }
    if (now !== pending) {
      // Changed since the last look (or the first look): wait one interval for a writer to finish.
      pending = now;
      return;
    }
    let text: string;
    try {
      text = await read(opts.file);
    } catch (err) {
      // A directory, no permission: tried again at each look, reported once.
      cannotRead(err);
      return;
    }
    unreadable = undefined;
    const after = await look();
    if (after !== now) {
      // Written to while it was read: what was read may be half of it.
      pending = after;
      return;
    }
    seen = now;
    pending = undefined;
    try {
      const result = await opts.reloadIfNew(text);
      if (result !== undefined && !closed) opts.onReloaded(result);
    } catch (err) {
      if (!closed) opts.onRefused(err);
    }
  }

  const timer = setInterval(() => {
    if (busy || closed) return;
    busy = true;
    poll().finally(() => (busy = false)).catch(() => undefined);
  }, opts.intervalMs);
  timer.unref();
  return {
    close(): void {
      closed = true;
      clearInterval(timer);
    },
  };
}
