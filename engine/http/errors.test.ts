import { expect, test } from 'vitest';
import { k6ErrorFor } from './errors.ts';

const withCode = (code: string, message = code): Error => Object.assign(new Error(message), { code });

test.each([
  [withCode('ECONNREFUSED'), 1212, 'dial: connection refused'],
  [withCode('ENOTFOUND'), 1101, 'lookup: no such host'],
  [withCode('UND_ERR_CONNECT_TIMEOUT'), 1211, 'dial: i/o timeout'],
  [withCode('ECONNRESET'), 1220, 'read: connection reset by peer'],
  [withCode('EPIPE'), 1201, 'write: broken pipe'],
  [withCode('UND_ERR_SOCKET', 'other side closed'), 1000, 'EOF'],
  [Object.assign(new Error('fetch failed'), { cause: withCode('ECONNREFUSED') }), 1212, 'dial: connection refused'],
  [withCode('ERR_TLS_CERT_ALTNAME_INVALID'), 1311, "x509: certificate doesn't match hostname"],
  [withCode('DEPTH_ZERO_SELF_SIGNED_CERT'), 1310, 'x509: unknown authority'],
  [new Error('something else'), 1000, 'something else'],
])('%s maps to k6 code %i', (error, code, message) => {
  expect(k6ErrorFor(error)).toEqual({ code, message });
});
