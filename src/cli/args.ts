/** Argument parsing on node:util parseArgs, turning its errors into one clear usage line. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SwitchyardError } from '../core/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: string[];
}

/** Parses `argv` for `command`; throws SY_CLI_USAGE with a message naming the bad flag. */
export function parseCommandArgs(command: string, argv: readonly string[], options: Options, maxPositionals = 0): Parsed {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new SwitchyardError('SY_CLI_USAGE', `${command}: ${usageReason(err)}`, { cause: err });
  }
  if (parsed.positionals.length > maxPositionals) {
    const extra = parsed.positionals[maxPositionals] ?? '';
    throw new SwitchyardError('SY_CLI_USAGE', `${command}: unexpected argument "${extra}"`);
  }
  return { values: parsed.values as Parsed['values'], positionals: parsed.positionals };
}

function usageReason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const msg = (e.message ?? String(err)).split('\n')[0] ?? '';
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const m = /'([^']+)'/.exec(msg);
      return `unknown option "${m?.[1] ?? msg}"`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const m = /'([^']+)'/.exec(msg);
      return m ? `option "${m[1]?.split(' ')[0] ?? ''}" needs a value` : msg;
    }
    default:
      return msg;
  }
}

export function stringOption(values: Parsed['values'], name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}
