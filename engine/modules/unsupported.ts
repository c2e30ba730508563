/**
 * What the engine refuses, in one place: the k6 APIs it cannot run honestly, with what to use
 * instead. The bundler checks scripts for them at load time; the module stubs throw the same
 * message if a call slips through.
 */

import { FloodgateError } from '../../contracts/errors.ts';

/** Unsupported members of supported modules: module → member → what to do instead. */
export const UNSUPPORTED_MEMBERS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  k6: {
    sleep:
      'k6 sleep() blocks the VU; the local engine runs all VUs on one event loop and cannot block one of them. Use `await new Promise((resolve) => setTimeout(resolve, ms))` in an async function',
    randomSeed:
      'randomSeed() would reseed Math.random for every VU of the process; derive randomness from __VU/__ITER instead',
  },
  'k6/http': Object.fromEntries(
    ['get', 'post', 'put', 'del', 'patch', 'head', 'options', 'request', 'batch'].map((name) => [
      name,
      `http.${name}() is synchronous in k6 and would block every VU of the local engine. Use \`await http.asyncRequest(method, url, body, params)\``,
    ]),
  ),
};

/** The error a call to an unsupported API throws. */
export function unsupportedApi(module: string, member: string, where = 'the script'): FloodgateError {
  const reason = UNSUPPORTED_MEMBERS[module]?.[member] ?? `${module} ${member} is not supported by the local engine`;
  return new FloodgateError('SCRIPT_UNSUPPORTED', {
    script: where,
    detail: `${module === 'k6' ? '' : `${module}: `}${reason}`,
  });
}

/**
 * The error for an engine limit met while the test runs (a request parameter, a Response
 * method): the run stops with it (exit 107), never one failed iteration in a run that passes.
 */
export function unsupportedAtRunTime(detail: string): FloodgateError {
  return new FloodgateError('SCRIPT_UNSUPPORTED', { script: 'the script', detail });
}

/**
 * A function that throws {@link unsupportedApi} when called, after telling the run through
 * `refuse` (so a script that catches the error still stops the test: k6 would have made the call).
 */
export function unsupportedFunction(
  module: string,
  member: string,
  refuse: (error: FloodgateError) => void = () => undefined,
): () => never {
  return () => {
    const error = unsupportedApi(module, member);
    refuse(error);
    throw error;
  };
}
