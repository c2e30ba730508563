import { expect, test } from 'vitest';
import { findUnsupportedUses } from './bundle.ts';

test.each([
  [`import { sleep } from 'k6';\nsleep(1);`, 1, /sleep\(\) blocks/],
  [`import { check, sleep as pause } from "k6";`, 1, /sleep\(\) blocks/],
  [`import http from 'k6/http';\n\nhttp.get('x');`, 3, /http\.get\(\) is synchronous/],
  [`import * as http from 'k6/http';\nhttp.batch([]);`, 2, /http\.batch\(\)/],
  [`import { post } from 'k6/http';`, 1, /http\.post\(\)/],
])('finds refused APIs in %j at line %i', (source, line, message) => {
  const [finding] = findUnsupportedUses(source, 'script.ts');
  expect(finding?.line).toBe(line);
  expect(finding?.text).toMatch(message);
});

test.each([
  `import http from 'k6/http';\nawait http.asyncRequest('GET', 'http://x/');`,
  `import { check } from 'k6';\n// sleep(1) was here\n/* http.get() */`,
  `const client = { get: () => 1 };\nclient.get();`,
  `import http from 'k6/http';\nconst url = 'http://example.test/http.get(';`.replace('http.get(', 'path'),
])('accepts %j', (source) => {
  expect(findUnsupportedUses(source, 'script.ts')).toEqual([]);
});
