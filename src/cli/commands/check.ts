/** `switchyard check -c FILE`: validate and print every problem, or a one-line summary. */
import { conversionNotice, loadAnyConfigFile } from '../../config/import/load-any.js';
import { formatIssues } from '../../config/format-issues.js';
import { SwitchyardError } from '../../core/errors.js';
import { parseCommandArgs, stringOption } from '../args.js';
import { EXIT, type CliIo } from '../io.js';

export async function checkCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('check', argv, { config: { type: 'string', short: 'c' } }, 1);
  const file = stringOption(values, 'config') ?? positionals[0];
  if (file === undefined) throw new SwitchyardError('SY_CLI_USAGE', 'check: which file? Use: switchyard check -c FILE');
  const result = await loadAnyConfigFile(file);
  const notice = conversionNotice(file, result);
  if (notice !== undefined) io.err(`${notice}\n`);
  if (!result.ok) {
    io.err(`${formatIssues(result.issues)}\n`);
    io.err(`${file}: ${result.issues.length} problem${result.issues.length === 1 ? '' : 's'}\n`);
    return EXIT.failed;
  }
  const c = result.config;
  const backends = c.pools.reduce((n, p) => n + p.backends.length, 0);
  io.out(`${file}: OK, ${c.listeners.length} listener${c.listeners.length === 1 ? '' : 's'}, ${c.pools.length} pool${c.pools.length === 1 ? '' : 's'}, ${backends} backend${backends === 1 ? '' : 's'}\n`);
  return EXIT.ok;
}
