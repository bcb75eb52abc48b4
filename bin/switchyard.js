#!/usr/bin/env node
// First, before anything is opened: `run` and `demo` may re-execute themselves (same process)
// with V8's young generation capped (dist/src/cli/young-generation.js says why).
import { capYoungGeneration } from '../dist/src/cli/young-generation.js';

capYoungGeneration();
const { main } = await import('../dist/src/cli/main.js');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // Only an internal fault reaches here: user mistakes are reported by main() itself.
    process.stderr.write(`switchyard: internal error: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exitCode = 70;
  },
);
