/**
 * The Http11Probe catalogue (../shared/conformance/http11probe-cases.tsv, copied here as
 * http11probe-cases.tsv; MDA2AV/Http11Probe, MIT licence) as an executable raw-socket table for
 * a reverse proxy in front of the capture backend (test/helpers/capture-backend.ts).
 *
 * The bar is stricter than the catalogue's origin-server verdicts: where it says "400 or close"
 * nothing may reach the backend; where the proxy forwards, the backend must get exactly one
 * unambiguous request per request sent (see run-case.ts for the checks every forward gets).
 * Cases whose expectation goes beyond the RFCs because of Switchyard's HTTP issue say so in
 * `policy`. HAPROXY-REFERENCE.md records how HAProxy 2.6 fares against this table.
 */
import { COMPLIANCE } from './cases-compliance.js';
import { CAPABILITIES, COOKIES } from './cases-headers.js';
import { MALFORMED, NORMALIZATION } from './cases-malformed.js';
import { SMUGGLING } from './cases-smuggling.js';
import type { ConformanceCase, SkippedCase } from './types.js';

export type {
  Category,
  ConformanceCase,
  Expectation,
  ExpectedRequest,
  ForwardRules,
  RequestCheck,
  SkippedCase,
} from './types.js';

export const CASES: readonly ConformanceCase[] = [
  ...COMPLIANCE,
  ...SMUGGLING,
  ...MALFORMED,
  ...NORMALIZATION,
  ...COOKIES,
  ...CAPABILITIES,
];

/**
 * Catalogue rows not expressed as cases, with the reason. Empty: every row has a proxy-side
 * meaning. The rows that test an origin's own answer (Date, Content-Type, Allow, 405, 204
 * without Content-Length, 304 and conditional requests, cookie parsing, TRACE echo) are
 * expressed as "the request reaches the backend intact and its answer comes back", since
 * the capture backend always answers 200.
 */
export const SKIPPED: readonly SkippedCase[] = [];
