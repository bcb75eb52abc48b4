/** The shape of a conformance case: raw bytes to send and what a careful reverse proxy does with them. */
import type { CapturedRequest } from '../../helpers/capture-backend.js';

export type Category = 'Compliance' | 'Smuggling' | 'Malformed Input' | 'Normalization' | 'Cookies' | 'Capabilities';

/** A request the backend must receive when the proxy forwards. */
export interface ExpectedRequest {
  readonly method: string;
  /** Acceptable forwarded request-targets (e.g. absolute-form or its origin-form). */
  readonly targets: readonly string[];
  /** The body, de-chunked. */
  readonly body: Buffer;
}

/** Case-specific assertion on a forwarded request: returns what is wrong, or undefined. */
export type RequestCheck = (req: CapturedRequest, index: number) => string | undefined;

export interface ForwardRules {
  /** What the backend must receive, one entry per request, in order. */
  readonly requests: readonly ExpectedRequest[];
  readonly check?: RequestCheck;
  /** `Upgrade` and `Connection: upgrade` may reach the backend (a tunnel attempt the backend declines). */
  readonly allowUpgrade?: boolean;
  /** The proxy must close the client connection after the (last) response. */
  readonly closeAfter?: boolean;
  /** The client must not see any 1xx interim response. */
  readonly noInterim?: boolean;
  /**
   * Sequence cases: the backend may have received only the first k >= 1 expected requests,
   * if the proxy refused the rest (a status from `statuses`, or closing).
   */
  readonly prefixOk?: boolean;
}

export type Expectation =
  /** The proxy answers 2xx from the backend, which got exactly the expected, unambiguous requests. */
  | ({ readonly kind: 'forward' } & ForwardRules)
  /** The proxy answers one of `statuses` or closes, and nothing reaches the backend. */
  | {
      readonly kind: 'reject';
      readonly statuses: readonly number[];
      /** The catalogue allows "timeout" (an incomplete request the proxy keeps waiting for). */
      readonly allowTimeout?: boolean;
      /**
       * 'nothing' (default): zero bytes upstream. 'incomplete': a proxy that streams may have
       * sent the valid head and part of a body that never completes, but never a complete request.
       */
      readonly upstream?: 'nothing' | 'incomplete';
    }
  /** Either a clean forward (as 'forward') or a rejection with nothing forwarded (as 'reject'). */
  | ({ readonly kind: 'reject-or-forward-clean'; readonly statuses: readonly number[] } & ForwardRules);

export interface ConformanceCase {
  /** The catalogue id. */
  readonly id: string;
  readonly category: Category;
  readonly description: string;
  /** The exact raw bytes sent (all steps concatenated). */
  readonly request: Buffer;
  /**
   * Sequence cases: the request split into steps, each written after the response to the
   * previous one (or stops when the proxy closed). Absent: `request` is written at once.
   */
  readonly steps?: readonly Buffer[];
  /** The client half-closes after writing (the catalogue's "then the connection is closed"). */
  readonly clientCloses?: boolean;
  readonly expect: Expectation;
  /**
   * Set when the expectation is stricter than what RFC 9110/9112 allow (because Switchyard's
   * HTTP issue #3, "Headers and safety", requires it, or because a forward must stay
   * unambiguous even to sloppy backends); says what the RFC permits.
   */
  readonly policy?: string;
}

export interface SkippedCase {
  readonly id: string;
  readonly reason: string;
}
