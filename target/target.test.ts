import { describe, expect, test } from 'vitest';
import { mapRequestError } from './target.ts';

describe('errors raised while reading a request', () => {
  test.each([
    [{ type: 'entity.parse.failed', status: 400 }, 400, 'invalid_json'],
    [{ type: 'entity.too.large', status: 413 }, 413, 'too_large'],
    [{ type: 'encoding.unsupported', status: 415 }, 415, 'unsupported_media_type'],
    [{ type: 'charset.unsupported', status: 415 }, 415, 'unsupported_media_type'],
    [{ type: 'request.aborted', status: 400 }, 400, 'bad_request'],
    [Object.assign(new Error('nope'), { status: 405 }), 405, 'bad_request'],
    [new Error('database is locked'), 500, 'internal'],
    [undefined, 500, 'internal'],
  ])('%j is answered %i %s', (error, status, code) => {
    expect(mapRequestError(error)).toMatchObject({ status, error: code });
  });

  test('a 500 says nothing of the internals', () => {
    expect(mapRequestError(new Error('SQLITE_CORRUPT at /secret/path')).message).toBe('internal error');
  });
});
