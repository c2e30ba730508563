import { describe, expect, test } from 'vitest';
import { isLoopbackHost } from './listen.ts';

describe('loopback hosts', () => {
  test.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['LOCALHOST', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.5', false],
    ['::ffff:10.0.0.5', false],
    ['example.org', false],
    ['127.0.0.1.example.org', false],
    ['', false],
  ])('%s only accepts local connections: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});
