/** `switchyard schema`: the JSON Schema of the config file, for editors. */
import { configJsonSchema } from '../../config/schema.js';
import { parseCommandArgs } from '../args.js';
import { EXIT, type CliIo } from '../io.js';

export function schemaCommand(argv: readonly string[], io: CliIo): number {
  parseCommandArgs('schema', argv, {});
  io.out(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  return EXIT.ok;
}
