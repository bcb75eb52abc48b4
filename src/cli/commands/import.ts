/** `switchyard import FILE [-o OUT]`: an older balancer's config → Switchyard YAML, with notes on stderr. */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatIssue, formatIssues } from '../../config/format-issues.js';
import { importLegacyText } from '../../config/import/load-any.js';
import { LEGACY_FORMAT_NAMES } from '../../config/import/types.js';
import { parseConfigText } from '../../config/load.js';
import { SwitchyardError } from '../../core/errors.js';
import { parseCommandArgs, stringOption } from '../args.js';
import { EXIT, type CliIo } from '../io.js';

const FORMATS = 'txLoadBalancer or PythonDirector XML, PumpkinLB ini, or mini-load-balancer JSON';

function fsReason(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return err instanceof Error ? (err.message.split('\n')[0] ?? 'unknown error') : 'unknown error';
}

export async function importCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('import', argv, { output: { type: 'string', short: 'o' } }, 1);
  const file = positionals[0];
  const out = stringOption(values, 'output');
  if (file === undefined) throw new SwitchyardError('SY_CLI_USAGE', 'import: which file? Use: switchyard import FILE [-o switchyard.yaml]');
  if (out !== undefined && resolve(out) === resolve(file)) throw new SwitchyardError('SY_CLI_USAGE', `import: -o ${out} is the file being imported; choose another name`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    io.err(`${file}: cannot read file: ${fsReason(err)}\n`);
    return EXIT.failed;
  }
  const result = importLegacyText(text, file);
  if (result === undefined) {
    const already = parseConfigText(text, file).ok ? ' (it is already a Switchyard config: `switchyard check` accepts it)' : '';
    io.err(`${file}: not a config of a format switchyard import reads (${FORMATS})${already}\n`);
    return EXIT.failed;
  }
  if (!result.ok) {
    const n = result.issues.length;
    io.err(`${formatIssues(result.issues)}\n${file}: ${n} problem${n === 1 ? '' : 's'}; nothing written\n`);
    return EXIT.failed;
  }
  for (const note of result.notes) io.err(`${formatIssue(note)}\n`);
  const from = LEGACY_FORMAT_NAMES[result.format];
  const notes = result.notes.length === 0 ? '' : `; ${result.notes.length} note${result.notes.length === 1 ? '' : 's'} above, also written as comments`;
  if (out === undefined) {
    io.out(result.yaml);
    io.err(`${file}: converted from ${from}${notes}\n`);
    return EXIT.ok;
  }
  try {
    await writeFile(out, result.yaml);
  } catch (err) {
    io.err(`${out}: cannot write file: ${fsReason(err)}\n`);
    return EXIT.failed;
  }
  io.err(`${file}: converted from ${from} to ${out}${notes}; check it with: switchyard check -c ${out}\n`);
  return EXIT.ok;
}
