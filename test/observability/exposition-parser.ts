/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for tests: every line
 * is `# HELP`, `# TYPE`, a sample `name{labels} value`, or empty; each family is declared once with
 * its TYPE before its samples, its samples are contiguous, and no series repeats. Histograms must
 * have cumulative buckets ending with le="+Inf" equal to `_count`. Throws on the first violation,
 * naming the line.
 */

export type Labels = Record<string, string>;

export interface ParsedSample {
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  type: string;
  help: string | undefined;
  readonly samples: ParsedSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string, where: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!NUMBER.test(text)) throw new Error(`${where}: bad value ${JSON.stringify(text)}`);
  return Number(text);
}

/** Parses `{a="x",b="y"}` starting at `line[i] === '{'`; returns the labels and the index after `}`. */
function parseLabels(line: string, i: number, where: string): { labels: Labels; end: number } {
  const labels: Labels = {};
  i++;
  while (line[i] !== '}') {
    const eq = line.indexOf('=', i);
    if (eq < 0) throw new Error(`${where}: label without "="`);
    const name = line.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`${where}: bad label name ${JSON.stringify(name)}`);
    if (name in labels) throw new Error(`${where}: label ${name} twice`);
    if (line[eq + 1] !== '"') throw new Error(`${where}: label value not quoted`);
    let j = eq + 2;
    let value = '';
    for (;;) {
      const c = line[j];
      if (c === undefined) throw new Error(`${where}: unterminated label value`);
      if (c === '"') break;
      if (c === '\\') {
        const e = line[j + 1];
        if (e === '\\') value += '\\';
        else if (e === '"') value += '"';
        else if (e === 'n') value += '\n';
        else throw new Error(`${where}: bad escape \\${e ?? ''}`);
        j += 2;
      } else {
        value += c;
        j++;
      }
    }
    labels[name] = value;
    i = j + 1;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw new Error(`${where}: expected "," or "}" after a label`);
  }
  return { labels, end: i + 1 };
}

/** The family a sample name belongs to, given the family being read. */
function belongsTo(sample: string, family: Family): boolean {
  if (family.type === 'histogram') return sample === `${family.name}_bucket` || sample === `${family.name}_sum` || sample === `${family.name}_count`;
  if (family.type === 'summary') return sample === family.name || sample === `${family.name}_sum` || sample === `${family.name}_count`;
  return sample === family.name;
}

function seriesKey(name: string, labels: Labels): string {
  return `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
}

function checkHistogram(f: Family): void {
  const groups = new Map<string, { buckets: [number, number][]; count?: number; sum?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = seriesKey('', rest);
    const g = groups.get(key) ?? { buckets: [] };
    groups.set(key, g);
    if (s.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${f.name}: a bucket without le`);
      g.buckets.push([parseValue(le, `${f.name} le`), s.value]);
    } else if (s.name.endsWith('_count')) g.count = s.value;
    else g.sum = s.value;
  }
  for (const [key, g] of groups) {
    const where = `${f.name}${key}`;
    if (g.count === undefined || g.sum === undefined) throw new Error(`${where}: _sum or _count missing`);
    const last = g.buckets[g.buckets.length - 1];
    if (last === undefined || last[0] !== Infinity) throw new Error(`${where}: the last bucket is not le="+Inf"`);
    if (last[1] !== g.count) throw new Error(`${where}: le="+Inf" is ${last[1]}, _count is ${g.count}`);
    for (let i = 1; i < g.buckets.length; i++) {
      const [le0, n0] = g.buckets[i - 1] as [number, number];
      const [le1, n1] = g.buckets[i] as [number, number];
      if (!(le1 > le0)) throw new Error(`${where}: bucket bounds not ascending (${le0}, ${le1})`);
      if (n1 < n0) throw new Error(`${where}: buckets not cumulative (${n0} at le=${le0}, ${n1} at le=${le1})`);
    }
  }
}

export function parseExposition(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the text does not end with a newline');
  const families = new Map<string, Family>();
  const series = new Set<string>();
  let current: Family | undefined;
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, n) => {
    const where = `line ${n + 1} ${JSON.stringify(line.slice(0, 100))}`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) throw new Error(`${where}: a comment that is neither HELP nor TYPE`);
      const [, kind, name = '', rest = ''] = m;
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name`);
      let f = families.get(name);
      if (f !== undefined && f !== current) throw new Error(`${where}: family ${name} declared again after others`);
      if (f === undefined) {
        f = { name, type: '', help: undefined, samples: [] };
        families.set(name, f);
      }
      current = f;
      if (kind === 'TYPE') {
        if (f.type !== '') throw new Error(`${where}: second TYPE`);
        if (f.samples.length > 0) throw new Error(`${where}: TYPE after samples`);
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type`);
        f.type = rest;
      } else {
        if (f.help !== undefined) throw new Error(`${where}: second HELP`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) throw new Error(`${where}: bad escape in HELP`);
        f.help = rest;
      }
      return;
    }
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`${where}: not a sample`);
    const name = line.slice(0, nameEnd);
    if (!NAME.test(name)) throw new Error(`${where}: bad metric name`);
    let labels: Labels = {};
    let i = nameEnd;
    if (line[i] === '{') ({ labels, end: i } = parseLabels(line, i, where));
    if (line[i] !== ' ') throw new Error(`${where}: expected one space before the value`);
    const rest = line.slice(i + 1);
    if (rest.includes(' ')) throw new Error(`${where}: unexpected text after the value (timestamps are not used)`);
    const value = parseValue(rest, where);
    if (current === undefined || current.type === '' || !belongsTo(name, current)) throw new Error(`${where}: sample outside its family's TYPE`);
    if (current.type === 'counter' && !(value >= 0)) throw new Error(`${where}: negative counter`);
    const key = seriesKey(name, labels);
    if (series.has(key)) throw new Error(`${where}: series repeated`);
    series.add(key);
    current.samples.push({ name, labels, value });
  });
  for (const f of families.values()) {
    if (f.type === '') throw new Error(`family ${f.name} has no TYPE`);
    if (f.type === 'histogram') checkHistogram(f);
  }
  return families;
}

/** The value of the one sample named `name` whose labels are exactly `labels`, or undefined. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Labels = {}): number | undefined {
  const want = seriesKey(name, labels);
  for (const f of families.values()) for (const s of f.samples) if (seriesKey(s.name, s.labels) === want) return s.value;
  return undefined;
}
