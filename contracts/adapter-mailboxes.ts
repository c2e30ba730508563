/**
 * Which adapters have a test mailbox (EMAIL_TOKEN_SOURCE=mailbox, the default), and its path.
 * Pure and free of k6 imports, so `floodgate run` refuses `mailbox` for an adapter without one
 * before any engine starts, in plain words instead of an init-context stack.
 */

/** Test-mailbox path by adapter name; an adapter not listed has none. */
export const ADAPTER_MAILBOXES: Readonly<Record<string, string>> = Object.freeze({
  reference: '/api/test/mailbox',
});
