/* eslint-disable -- a k6 script written as k6 users write them (k6 globals, no project style), linted by k6, not by this repo */
// Probe (issue 10): the script sees k6's globals only. sobek and k6's registerGlobals
// (internal/js/bundle.go: timers, crypto, TextEncoder/TextDecoder, console) have no process,
// Buffer, fetch, Intl, structuredClone or WeakRef; a script relying on them fails on k6.
import { check } from 'k6';

export const options = { iterations: 1, vus: 1, thresholds: { checks: ['rate==1'] } };

export default function () {
  check(null, {
    'no process': () => typeof process === 'undefined' && globalThis.process === undefined,
    'no Buffer': () => typeof Buffer === 'undefined',
    'no fetch': () => typeof fetch === 'undefined',
    'no Intl': () => typeof Intl === 'undefined',
    'no structuredClone': () => typeof structuredClone === 'undefined',
    'no WeakRef': () => typeof WeakRef === 'undefined',
    'has TextEncoder': () => typeof TextEncoder === 'function',
    'has timers': () => typeof setTimeout === 'function' && globalThis.setTimeout === setTimeout,
  });
}
