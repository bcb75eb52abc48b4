/** Value types shared by the schema files: durations and sizes, validated by core/units. */
import { z } from 'zod';
import { parseDuration, parseSize } from '../core/units.js';

export const refineWith =
  (check: (v: string | number) => string | undefined) =>
  (v: string | number, ctx: z.core.$RefinementCtx<string | number>): void => {
    const reason = check(v);
    if (reason !== undefined) ctx.addIssue({ code: 'custom', message: reason, input: v });
  };

export const Duration = z
  .union([z.string(), z.number()])
  .superRefine(refineWith((v) => {
    const r = parseDuration(v);
    return r.ok ? undefined : r.reason;
  }))
  .meta({ description: 'A duration: "250ms", "5s", "2m", "1h", or a number of milliseconds.' });

export const Size = z
  .union([z.string(), z.number()])
  .superRefine(refineWith((v) => {
    const r = parseSize(v);
    return r.ok ? undefined : r.reason;
  }))
  .meta({ description: 'A size: "16KiB", "1MiB", "64KB", or a number of bytes.' });

