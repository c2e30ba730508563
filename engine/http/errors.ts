/**
 * k6's HTTP error codes (lib/netext/httpext/error_codes.go) for the errors Node and undici
 * raise: the code becomes the `error_code` tag and `res.error_code`, the message `error`.
 */

/** A network-level failure as k6 reports it. */
export interface K6NetworkError {
  readonly code: number;
  readonly message: string;
}

/** The request ran past its `timeout` param. */
export const REQUEST_TIMEOUT: K6NetworkError = Object.freeze({ code: 1050, message: 'request timeout' });

const TLS_UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
]);

/** Maps an error from undici or the socket layer to k6's code and message. */
export function k6ErrorFor(error: unknown): K6NetworkError {
  const found = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  switch (found) {
    case 'ECONNREFUSED':
      return { code: 1212, message: 'dial: connection refused' };
    case 'ENOTFOUND':
      return { code: 1101, message: 'lookup: no such host' };
    case 'EAI_AGAIN':
    case 'ENODATA':
    case 'ESERVFAIL':
      return { code: 1100, message: `lookup: ${message}` };
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return { code: 1211, message: 'dial: i/o timeout' };
    case 'ECONNRESET':
      return { code: 1220, message: 'read: connection reset by peer' };
    case 'EPIPE':
      return { code: 1201, message: 'write: broken pipe' };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return { code: 1213, message: `dial: ${message}` };
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      // Go reports a connection closed before the response as EOF, which k6 leaves at the default code.
      return { code: 1000, message: 'EOF' };
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return { code: 1311, message: "x509: certificate doesn't match hostname" };
    default:
      if (found && TLS_UNKNOWN_AUTHORITY.has(found)) return { code: 1310, message: 'x509: unknown authority' };
      if (found && (found.startsWith('ERR_TLS') || found.startsWith('ERR_SSL'))) return { code: 1300, message };
      return { code: 1000, message };
  }
}

function codeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
    if (typeof code === 'string') {
      const cause = (current as { cause?: unknown }).cause;
      const inner = cause ? codeOf(cause) : undefined;
      return inner ?? code;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
