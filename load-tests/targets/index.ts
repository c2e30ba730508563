/**
 * The explicit list of target adapters, chosen with `-e ADAPTER=<name>`. Add an adapter by adding
 * its file and two lines here (its import and its ADAPTERS entry); `floodgate adapter new <name>`
 * does all three.
 */

import { FloodgateError } from '../../contracts/errors.ts';
import type { AdapterContext, AdapterFactory, TargetAdapter } from './adapter.ts';
import { referenceAdapter } from './reference.ts';

/** Adapters by name. */
export const ADAPTERS: Readonly<Record<string, AdapterFactory>> = Object.freeze({
  reference: referenceAdapter,
});

/** The adapter ADAPTER names, built for `context`; an unknown name stops the test in the init context. */
export function createAdapter(name: string, context: AdapterContext): TargetAdapter {
  const factory = ADAPTERS[name];
  if (factory === undefined) {
    throw new FloodgateError('SCRIPT_ENV_INVALID', {
      name: 'ADAPTER',
      value: name,
      detail: `no such adapter; known: ${Object.keys(ADAPTERS).join(', ')} (add yours in load-tests/targets/index.ts)`,
    });
  }
  return factory(context);
}
