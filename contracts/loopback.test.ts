import { describe, expect, test } from 'vitest';
import { isLoopbackHost } from './loopback.ts';

describe('loopback hosts', () => {
  test.each([
    ['localhost', true],
    ['LOCALHOST', true],
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['127.255.255.255', true],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['[::ffff:127.0.0.1]', true],
    ['::FFFF:127.9.9.9', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.5', false],
    ['192.168.1.10', false],
    ['::ffff:10.0.0.5', false],
    ['127.256.0.1', false],
    ['128.0.0.1', false],
    ['example.org', false],
    ['localhost.example.org', false],
    ['127.0.0.1.example.org', false],
    ['[::1', false],
    ['', false],
  ])('%s only reaches this machine: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});
