/** Recognises the older balancers' config files by their content (the extension is not needed). */

/** Which converter reads a file: XML (txLoadBalancer, PythonDirector), ini (PumpkinLB), JSON (mini-load-balancer). */
export type LegacyKind = 'xml' | 'ini' | 'json';

function firstSignificantLine(text: string): string | undefined {
  for (const raw of text.split(/\r?\n/)) {
    const t = raw.trim();
    if (t !== '' && !t.startsWith('#') && !t.startsWith(';')) return t;
  }
  return undefined;
}

/**
 * XML: the text starts with "<" (a Switchyard YAML or JSON config never does). ini: a
 * "[mappings]" line, or a first line (not blank or a comment) that is a "[section]" header. JSON: an object with
 * "backend_servers" (or, when it does not parse, text that mentions it). Otherwise undefined.
 */
export function detectLegacyKind(text: string): LegacyKind | undefined {
  const source = (text.startsWith('\uFEFF') ? text.slice(1) : text).trimStart();
  if (source.startsWith('<')) return 'xml';
  if (source.startsWith('{')) {
    try {
      const value: unknown = JSON.parse(source);
      return typeof value === 'object' && value !== null && Object.hasOwn(value, 'backend_servers') ? 'json' : undefined;
    } catch {
      return source.includes('"backend_servers"') ? 'json' : undefined;
    }
  }
  const first = firstSignificantLine(source);
  if ((first !== undefined && /^\[[^\]]+\]$/.test(first)) || /^\s*\[mappings\]\s*$/im.test(source)) return 'ini';
  return undefined;
}
