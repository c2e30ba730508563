/**
 * The HTTP client journeys and adapters use: every request is tagged with its funnel `stage` (or,
 * for test scaffolding such as a mailbox, `helper`) and a stable `name`, sent with `http.asyncRequest`, and retried on 429 after the Retry-After the
 * target asked for (bounded), with timers awaited so the VU's event loop stays free.
 */

import http from 'k6/http';
import type { RefinedResponse, ResponseType } from 'k6/http';
import { setTimeout } from 'k6/timers';
import type { FunnelStage } from '../../contracts/funnel.ts';
import { retryWaitSeconds } from './retry.ts';

/** What a request is for: a funnel stage, or test scaffolding around one (reading an email token). */
export type RequestPurpose =
  /** A request of the system under test, measured against its stage's objectives. */
  | { readonly stage: FunnelStage; readonly helper?: never }
  /**
   * A helper request (a test mailbox, a mail catcher): tagged `helper` instead of `stage`, so its
   * latency and answers stay out of the stage's thresholds, throughput and report.
   */
  | { readonly helper: 'email_token'; readonly stage?: never };

/** One request of a stage, or of a helper. */
export type StageRequest = RequestPurpose & {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A path on the target (`/api/register`) or an absolute URL (another service, e.g. Mailpit). */
  readonly url: string;
  readonly body?: string | ArrayBuffer | null;
  readonly headers?: Readonly<Record<string, string>>;
  /** Stable request name for metrics, never holding ids: `POST /api/batches/:id/join`. */
  readonly name: string;
  /** Statuses besides 2xx/3xx and 429 that are answers, not failures (e.g. 409 "batch full"). */
  readonly alsoExpected?: readonly number[];
};

/** The answer to a request, after any retries. */
export interface StageResponse {
  /** HTTP status; 0 on a network error or timeout. */
  readonly status: number;
  /** True when the last answer was still 429 after the allowed retries. */
  readonly throttled: boolean;
  readonly body: string;
  /** k6's error text on a network error, else ''. */
  readonly error: string;
  /** A response header, looked up without regard to case. */
  header(name: string): string | undefined;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json<T>(): T | undefined;
}

/** Sends stage requests. */
export interface HttpClient {
  send(request: StageRequest): Promise<StageResponse>;
}

/** Options of {@link createHttpClient}. */
export interface HttpClientOptions {
  /** Base URL that relative request URLs are joined to. */
  readonly baseUrl: string;
  /** Client timeout of one request, a k6 duration. */
  readonly timeout: string;
  /** Retries of a 429 answer. */
  readonly retryMax: number;
  /** Longest wait on one Retry-After, in seconds. */
  readonly retryAfterMaxSeconds: number;
}

/** What `http.expectedStatuses` returns (@types/k6 does not export the type). */
type ExpectedStatusesCallback = ReturnType<typeof http.expectedStatuses>;

/** Statuses that are answers, not failures, for every request: 2xx, 3xx and 429 (throttled). */
export const EXPECTED_STATUSES = [{ min: 200, max: 399 }, 429] as const;

/**
 * Makes 429 an expected answer for the whole VU, so throttling is not counted in
 * `http_req_failed` (it is recorded as the funnel result `throttled`). Call in the init context.
 */
export function configureHttp(): void {
  http.setResponseCallback(http.expectedStatuses(...EXPECTED_STATUSES));
}

/** A client for one target. */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const callbacks = new Map<string, ExpectedStatusesCallback>();
  const callbackFor = (extra: readonly number[]): ExpectedStatusesCallback | undefined => {
    if (extra.length === 0) return undefined;
    const key = extra.join(',');
    let callback = callbacks.get(key);
    if (!callback) {
      callback = http.expectedStatuses(...EXPECTED_STATUSES, ...extra);
      callbacks.set(key, callback);
    }
    return callback;
  };
  return {
    async send(request) {
      const url = /^https?:\/\//.test(request.url) ? request.url : `${options.baseUrl}${request.url}`;
      const responseCallback = callbackFor(request.alsoExpected ?? []);
      const params = {
        headers: { ...request.headers },
        tags: requestTags(request),
        timeout: options.timeout,
        ...(responseCallback ? { responseCallback } : {}),
      };
      for (let attempt = 0; ; attempt += 1) {
        const response = await http.asyncRequest(request.method, url, request.body ?? null, params);
        if (response.status !== 429 || attempt >= options.retryMax) return toStageResponse(response);
        const wait = retryWaitSeconds(
          headerOf(response, 'Retry-After'),
          attempt + 1,
          options.retryAfterMaxSeconds,
          Date.now(),
        );
        await pause(wait);
      }
    },
  };
}

/** The tags of a request: its stage (or helper role) and its name. */
function requestTags(request: StageRequest): Record<string, string> {
  return request.stage !== undefined
    ? { stage: request.stage, name: request.name }
    : { helper: request.helper, name: request.name };
}

/** Resolves after `seconds` (a timer: the VU's event loop keeps running, unlike k6's sleep()). */
export function pause(seconds: number): Promise<void> {
  if (!(seconds > 0)) return Promise.resolve();
  return new Promise((resolve) => {
    setTimeout(resolve, seconds * 1000);
  });
}

function toStageResponse(response: RefinedResponse<ResponseType | undefined>): StageResponse {
  const body = typeof response.body === 'string' ? response.body : '';
  return {
    status: response.status,
    throttled: response.status === 429,
    body,
    error: response.error ?? '',
    header: (name) => headerOf(response, name),
    json<T>() {
      try {
        return JSON.parse(body) as T;
      } catch {
        return undefined; // not JSON: the caller treats a missing field as an unexpected answer
      }
    },
  };
}

function headerOf(response: RefinedResponse<ResponseType | undefined>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const key of Object.keys(response.headers)) if (key.toLowerCase() === wanted) return response.headers[key];
  return undefined;
}
