/**
 * A small line editor for a terminal in raw mode: printable characters, backspace and delete,
 * left/right/home/end, Ctrl-A/E/U/K/W, history with up/down, Ctrl-C (clears the line), Ctrl-D
 * (leaves on an empty line), Tab completion. Input is pushed in; finished lines are pulled out
 * one at a time, so that a pasted block runs line by line while each command completes.
 */
import type { Completion } from './complete.js';

export type EditorEvent = { readonly type: 'line'; readonly line: string } | { readonly type: 'eof' };

export interface LineEditorOptions {
  readonly prompt: string;
  /** Writes to the terminal (already in terminal line endings). */
  readonly write: (text: string) => void;
  readonly complete?: (before: string) => Completion;
  /** Lines kept for up/down (default 100). */
  readonly historySize?: number;
}

const MAX_PENDING = 64 * 1024;
const MAX_LINE = 4096;

export class LineEditor {
  private pending = '';
  private chars: string[] = [];
  private cursor = 0;
  private lastWasCr = false;
  private readonly history: string[] = [];
  private historyAt = 0;

  constructor(private readonly opts: LineEditorOptions) {}

  /** Input from the terminal; input beyond 64 KiB not yet read is dropped. */
  push(data: string): void {
    if (this.pending.length + data.length <= MAX_PENDING) this.pending += data;
  }

  /** Prints the prompt and the line being edited. */
  showPrompt(): void {
    this.redraw();
  }

  /** Handles pending input up to the next finished line or end of input; undefined when input runs out first. */
  next(): EditorEvent | undefined {
    while (this.pending.length > 0) {
      const ch = this.pending[0] ?? '';
      if (ch === '\x1b') {
        const after = this.pending.slice(1);
        const seq = /^(\[[0-9;]*[A-Za-z~]|O[A-Za-z])/.exec(after);
        // An escape sequence split across reads: wait for the rest.
        if (seq === null && after.length < 8 && /^(\[[0-9;]*|O)?$/.test(after)) return undefined;
        this.pending = after.slice(seq?.[0].length ?? 0);
        this.escape(seq?.[1] ?? '');
        continue;
      }
      const code = ch.codePointAt(0) ?? 0;
      const width = code > 0xffff ? 2 : 1;
      this.pending = this.pending.slice(width);
      const wasCr = this.lastWasCr;
      this.lastWasCr = ch === '\r';
      if (ch === '\n' && wasCr) continue;
      const ev = this.key(String.fromCodePoint(code));
      if (ev !== undefined) return ev;
    }
    return undefined;
  }

  private key(ch: string): EditorEvent | undefined {
    switch (ch) {
      case '\r':
      case '\n': {
        const line = this.chars.join('');
        this.opts.write('\r\n');
        this.chars = [];
        this.cursor = 0;
        if (line.trim() !== '' && this.history[this.history.length - 1] !== line) {
          this.history.push(line);
          if (this.history.length > (this.opts.historySize ?? 100)) this.history.shift();
        }
        this.historyAt = this.history.length;
        return { type: 'line', line };
      }
      case '\x03':
        this.opts.write('^C\r\n');
        this.chars = [];
        this.cursor = 0;
        this.historyAt = this.history.length;
        this.showPrompt();
        return undefined;
      case '\x04':
        if (this.chars.length === 0) {
          this.opts.write('\r\n');
          return { type: 'eof' };
        }
        this.deleteAt(this.cursor);
        return undefined;
      case '\x7f':
      case '\b':
        if (this.cursor > 0) this.deleteAt(--this.cursor);
        return undefined;
      case '\t':
        this.completeWord();
        return undefined;
      case '\x01':
        this.moveTo(0);
        return undefined;
      case '\x05':
        this.moveTo(this.chars.length);
        return undefined;
      case '\x15':
        this.chars = this.chars.slice(this.cursor);
        this.cursor = 0;
        this.redraw();
        return undefined;
      case '\x0b':
        this.chars = this.chars.slice(0, this.cursor);
        this.redraw();
        return undefined;
      case '\x17': {
        let start = this.cursor;
        while (start > 0 && this.chars[start - 1] === ' ') start--;
        while (start > 0 && this.chars[start - 1] !== ' ') start--;
        this.chars.splice(start, this.cursor - start);
        this.cursor = start;
        this.redraw();
        return undefined;
      }
      case '\x0c':
        this.opts.write('\x1b[H\x1b[2J');
        this.showPrompt();
        return undefined;
      default:
        if ((ch.codePointAt(0) ?? 0) >= 0x20) this.insert(ch);
        return undefined;
    }
  }

  private escape(seq: string): void {
    switch (seq) {
      case '[D':
      case 'OD':
        this.moveTo(this.cursor - 1);
        return;
      case '[C':
      case 'OC':
        this.moveTo(this.cursor + 1);
        return;
      case '[H':
      case 'OH':
      case '[1~':
        this.moveTo(0);
        return;
      case '[F':
      case 'OF':
      case '[4~':
        this.moveTo(this.chars.length);
        return;
      case '[3~':
        this.deleteAt(this.cursor);
        return;
      case '[A':
      case 'OA':
        this.recall(this.historyAt - 1);
        return;
      case '[B':
      case 'OB':
        this.recall(this.historyAt + 1);
        return;
      default:
    }
  }

  private insert(text: string): void {
    const add = [...text];
    if (this.chars.length + add.length > MAX_LINE) return;
    const atEnd = this.cursor === this.chars.length;
    this.chars.splice(this.cursor, 0, ...add);
    this.cursor += add.length;
    if (atEnd) this.opts.write(text);
    else this.redraw();
  }

  private deleteAt(i: number): void {
    if (i < 0 || i >= this.chars.length) return;
    this.chars.splice(i, 1);
    this.redraw();
  }

  private moveTo(i: number): void {
    const to = Math.max(0, Math.min(this.chars.length, i));
    if (to < this.cursor) this.opts.write(`\x1b[${this.cursor - to}D`);
    else if (to > this.cursor) this.opts.write(`\x1b[${to - this.cursor}C`);
    this.cursor = to;
  }

  private recall(i: number): void {
    if (i < 0 || i > this.history.length) return;
    this.historyAt = i;
    this.chars = [...(this.history[i] ?? '')];
    this.cursor = this.chars.length;
    this.redraw();
  }

  private redraw(): void {
    const back = this.chars.length - this.cursor;
    this.opts.write(`\r${this.opts.prompt}${this.chars.join('')}\x1b[K${back > 0 ? `\x1b[${back}D` : ''}`);
  }

  private completeWord(): void {
    if (this.opts.complete === undefined) return;
    const c = this.opts.complete(this.chars.slice(0, this.cursor).join(''));
    if (c.insert !== '') this.insert(c.insert);
    else if (c.candidates.length > 0) {
      this.opts.write(`\r\n${c.candidates.join('  ')}\r\n`);
      this.showPrompt();
    } else this.opts.write('\x07');
  }
}
