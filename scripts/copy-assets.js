#!/usr/bin/env node
// Copies the dashboard's static files next to its compiled module (dist/src/admin/dashboard/assets),
// where it reads them at run time, from a clone and from the published package alike.
import { cpSync, mkdirSync, rmSync } from 'node:fs';

const from = new URL('../src/admin/dashboard/assets/', import.meta.url);
const to = new URL('../dist/src/admin/dashboard/assets/', import.meta.url);

rmSync(to, { recursive: true, force: true });
mkdirSync(to, { recursive: true });
cpSync(from, to, { recursive: true });
