/** `switchyard simulate`: every balancing policy over one synthetic workload, as a table, chart or JSON. */
import { writeFile } from 'node:fs/promises';
import { SwitchyardError } from '../../core/errors.js';
import { simulate } from '../../simulate/runner.js';
import { SIMULATE_USAGE, specFromFlags } from '../../simulate/options.js';
import { renderTable, renderTerminalChart } from '../../simulate/table.js';
import { renderSvg } from '../../simulate/svg.js';
import { renderHtml } from '../../simulate/html.js';
import { parseCommandArgs } from '../args.js';
import { EXIT, processIo, type CliIo } from '../io.js';

const VALUE_FLAGS = [
  'requests', 'duration', 'load', 'rate', 'arrival', 'clients', 'seed', 'backends', 'weights',
  'capacity', 'latency', 'shape', 'policies', 'svg', 'html',
] as const;

export async function simulateCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const options: Parameters<typeof parseCommandArgs>[2] = {
    slow: { type: 'string', multiple: true },
    failing: { type: 'string', multiple: true },
    retry: { type: 'boolean' },
    json: { type: 'boolean' },
    chart: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const flag of VALUE_FLAGS) options[flag] = { type: 'string' };
  const { values } = parseCommandArgs('simulate', argv, options);
  if (values.help === true) {
    io.out(SIMULATE_USAGE);
    return EXIT.ok;
  }
  const spec = specFromFlags(values);
  const report = simulate(spec);

  const svgFile = typeof values.svg === 'string' ? values.svg : undefined;
  const htmlFile = typeof values.html === 'string' ? values.html : undefined;
  if (svgFile !== undefined) await write(svgFile, '--svg', renderSvg(report));
  if (htmlFile !== undefined) await write(htmlFile, '--html', renderHtml(report));

  if (values.json === true) {
    io.out(`${JSON.stringify(report, null, 2)}\n`);
    return EXIT.ok;
  }
  io.out(renderTable(report));
  if (values.chart === true || (io === processIo && process.stdout.isTTY)) io.out(`\n${renderTerminalChart(report)}`);
  for (const [flag, file] of [['svg', svgFile], ['html', htmlFile]] as const) if (file !== undefined) io.out(`\nwrote the ${flag === 'svg' ? 'SVG chart' : 'HTML page'} to ${file}\n`);
  return EXIT.ok;
}

async function write(file: string, flag: string, content: string): Promise<void> {
  try {
    await writeFile(file, content);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'cannot write';
    throw new SwitchyardError('SY_CLI_USAGE', `simulate: ${flag}: cannot write "${file}" (${reason})`, { cause: err });
  }
}
