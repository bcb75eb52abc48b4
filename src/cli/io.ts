/** Where the CLI writes; tests can capture it. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/** Exit codes: 0 ok, 1 the config (or the run) failed, 2 usage error, 70 internal fault. */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 70 } as const;
