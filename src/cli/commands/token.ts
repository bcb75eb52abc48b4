/**
 * `switchyard token`: a new admin API token and the user entry that stores only its SHA-256,
 * to paste under `admin.users`.
 */
import { SwitchyardError } from '../../core/errors.js';
import { AdminUserSchema } from '../../config/schema-admin.js';
import { newToken, tokenSha256 } from '../../admin/auth.js';
import { parseCommandArgs, stringOption } from '../args.js';
import { EXIT, type CliIo } from '../io.js';

export const TOKEN_USAGE = `Usage: switchyard token [--name NAME] [--access full|readonly]

Prints a new random admin API token (32 bytes, base64url) and the user entry to paste under
admin.users in the config. The config keeps only the token's SHA-256; the token is shown once.

Options:
  --name NAME        the user's name (default "admin")
  --access ACCESS    full (may change the balancer) or readonly (may only look); default full
  -h, --help         this help
`;

export function tokenCommand(argv: readonly string[], io: CliIo): number {
  const { values } = parseCommandArgs('token', argv, { name: { type: 'string' }, access: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values['help'] === true) {
    io.out(TOKEN_USAGE);
    return EXIT.ok;
  }
  const name = stringOption(values, 'name') ?? 'admin';
  const access = stringOption(values, 'access') ?? 'full';
  const nameCheck = AdminUserSchema.shape.name.safeParse(name);
  if (!nameCheck.success) throw new SwitchyardError('SY_CLI_USAGE', `token: --name "${name}" ${nameCheck.error.issues[0]?.message ?? 'is not a valid user name'}`);
  if (access !== 'full' && access !== 'readonly') throw new SwitchyardError('SY_CLI_USAGE', `token: --access must be full or readonly, got "${access}"`);
  const token = newToken();
  io.out(
    [
      `Token for ${name} (shown once: store it now; the config keeps only its hash):`,
      '',
      `  ${token}`,
      '',
      'Add this user under admin.users in the config:',
      '',
      `  - name: ${name}`,
      `    access: ${access}`,
      `    tokenHash: sha256:${tokenSha256(token)}`,
      '',
      `Then: switchyard ctl status --token-file FILE (or SWITCHYARD_TOKEN=TOKEN switchyard ctl status)`,
      '',
    ].join('\n'),
  );
  return EXIT.ok;
}
