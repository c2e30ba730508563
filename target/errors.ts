/**
 * How the reference target answers errors: one JSON shape `{error, message, field?}`, and the
 * mapping of errors raised while reading a request (body-parser's `type`s) to 4xx answers, or a
 * 500 without internals.
 */

import type { Response } from 'express';
import type { FieldProblem } from './validation.ts';

/** Largest JSON body the target reads, in bytes. */
export const JSON_LIMIT_BYTES = 16 * 1024;

/** Maps errors raised while reading a request (body-parser's `type`s) to an answer. */
export function mapRequestError(error: unknown): { status: number; error: string; message: string } {
  const { type, status } = (error ?? {}) as { type?: string; status?: number };
  switch (type) {
    case 'entity.parse.failed':
      return { status: 400, error: 'invalid_json', message: 'the body is not valid JSON, or not a JSON object' };
    case 'entity.too.large':
      return { status: 413, error: 'too_large', message: `the body is larger than ${JSON_LIMIT_BYTES} bytes` };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return {
        status: 415,
        error: 'unsupported_media_type',
        message: 'send the body as UTF-8 JSON without content encoding',
      };
    case 'request.aborted':
    case 'request.size.invalid':
      return { status: 400, error: 'bad_request', message: 'the body ended before its declared length' };
    default:
      if (typeof status === 'number' && status >= 400 && status < 500) {
        return { status, error: 'bad_request', message: error instanceof Error ? error.message : 'bad request' };
      }
      return { status: 500, error: 'internal', message: 'internal error' };
  }
}

/** Answers `status` with `{error, message, field?}`. */
export function sendError(response: Response, status: number, error: string, message: string, field?: string): void {
  response.status(status).json(field === undefined ? { error, message } : { error, message, field });
}

/** Answers 400 `invalid_field` naming the field at fault. */
export function sendProblem(response: Response, problem: FieldProblem): void {
  sendError(response, 400, 'invalid_field', problem.message, problem.field);
}

/** Answers 409 `duplicate_email` / `duplicate_nik`. */
export function sendDuplicate(response: Response, field: 'email' | 'nik'): void {
  const what = field === 'email' ? 'this email' : 'this NIK';
  sendError(response, 409, `duplicate_${field}`, `an applicant with ${what} is already registered`, field);
}
