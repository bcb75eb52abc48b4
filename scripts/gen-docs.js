#!/usr/bin/env node
// Writes the generated reference docs from the compiled sources (run `npm run docs`):
// docs/config-reference.md from the config schema and docs/error-codes.md from ERROR_CODES.
import { mkdirSync, writeFileSync } from 'node:fs';
import { renderConfigReference, renderErrorCodes } from '../dist/src/config/docs.js';

const docs = new URL('../docs/', import.meta.url);
mkdirSync(docs, { recursive: true });
const outputs = [
  ['config-reference.md', renderConfigReference()],
  ['error-codes.md', renderErrorCodes()],
];
for (const [name, text] of outputs) {
  writeFileSync(new URL(name, docs), text);
  console.log(`gen-docs: wrote docs/${name}`);
}
