/**
 * `k6/http` on the local engine against a node:http server on 127.0.0.1: timeouts, redirects,
 * multipart and form bodies, response types, expected statuses, URL templates and keep-alive.
 */

import busboy from 'busboy';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runScript } from './index.ts';
import { captureStream, points, readNdjson, scriptFolder, startTestServer, type TestServer } from './testing.ts';

const folder = scriptFolder();
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    switch (url.pathname) {
      case '/slow':
        setTimeout(() => reply(200, {}), 2000);
        return;
      case '/redirect':
        reply(302, {}, { location: '/final' });
        return;
      case '/photo': {
        const parts: Array<Record<string, unknown>> = [];
        const parser = busboy({ headers: request.headers });
        parser.on('file', (name, stream, info) => {
          let size = 0;
          stream.on('data', (chunk: Buffer) => (size += chunk.length));
          stream.on('end', () => parts.push({ name, filename: info.filename, mimeType: info.mimeType, size }));
        });
        parser.on('field', (name, value) => parts.push({ name, value }));
        parser.on('close', () => reply(201, parts));
        request.pipe(parser);
        return;
      }
      case '/echo': {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString()));
        request.on('end', () =>
          reply(200, {
            body,
            contentType: request.headers['content-type'] ?? null,
            userAgent: request.headers['user-agent'],
          }),
        );
        return;
      }
      case '/login':
        reply(200, {}, { 'set-cookie': 'session=abc; Path=/; HttpOnly' });
        return;
      case '/me':
        reply(200, { cookie: request.headers.cookie ?? null });
        return;
      case '/throttled':
        reply(429, { error: 'busy' }, { 'retry-after': '1' });
        return;
      default:
        reply(200, { path: url.pathname, items: [{ id: 7 }, { id: 8 }] }, { 'x-custom-thing': 'yes' });
    }
  });
});

afterAll(async () => {
  await server?.close();
  folder.cleanup();
});

test('requests behave as k6 documents them', async () => {
  const script = folder.write(
    'http.js',
    `import http from 'k6/http';
     import { check } from 'k6';
     export const options = { iterations: 1, systemTags: ['status', 'method', 'name', 'url', 'error', 'error_code', 'expected_response', 'proto', 'check'] };
     const T = __ENV.TARGET;
     export default async function () {
       const timeout = await http.asyncRequest('GET', T + '/slow', null, { timeout: '200ms', tags: { name: 'slow' } });
       check(timeout, { 'timeout: status 0': (r) => r.status === 0, 'timeout: code 1050': (r) => r.error_code === 1050 && r.error === 'request timeout' });

       const redirected = await http.asyncRequest('GET', T + '/redirect');
       check(redirected, { 'redirect followed': (r) => r.status === 200 && r.url === T + '/final' && r.json('path') === '/final' });

       const photo = await http.asyncRequest('POST', T + '/photo', { photo: http.file(new Uint8Array([255, 216, 255, 1, 2]).buffer, 'face.jpg', 'image/jpeg'), note: 'hi' });
       const parts = photo.json();
       check(photo, {
         'multipart parsed': (r) => r.status === 201 && parts.length === 2 &&
           JSON.stringify(parts.find((p) => p.name === 'photo')) === JSON.stringify({ name: 'photo', filename: 'face.jpg', mimeType: 'image/jpeg', size: 5 }) &&
           parts.find((p) => p.name === 'note').value === 'hi',
       });

       const form = await http.asyncRequest('POST', T + '/echo', { b: '2', a: 'x y' });
       check(form, { 'form encoded': (r) => r.json('body') === 'a=x+y&b=2' && r.json('contentType') === 'application/x-www-form-urlencoded' });

       const binary = await http.asyncRequest('GET', T + '/', null, { responseType: 'binary' });
       check(binary, { 'binary body': (r) => r.body instanceof ArrayBuffer && r.body.byteLength > 10 });
       const none = await http.asyncRequest('GET', T + '/', null, { responseType: 'none' });
       check(none, { 'no body': (r) => r.body === null && r.status === 200 });

       const expected = await http.asyncRequest('GET', T + '/throttled', null, { responseCallback: http.expectedStatuses(200, { min: 429, max: 429 }) });
       check(expected, { 'throttled answer': (r) => r.status === 429 && r.error_code === 1429 && r.headers['Retry-After'] === '1' });

       const templated = await http.asyncRequest('GET', http.url\`\${T}/applicants/\${42}\`);
       check(templated, { 'template resolved': (r) => r.json('items.1.id') === 8 && r.json('items.#') === 2 && r.headers['X-Custom-Thing'] === 'yes' });
     }
     export function handleSummary() { return {}; }`,
  );
  const out = folder.path('http.ndjson');
  const stderr = captureStream();
  const result = await runScript({
    script,
    out,
    env: { TARGET: server.url },
    includeSystemEnv: false,
    stdout: captureStream(),
    stderr,
  });
  expect(stderr.text()).toBe('');
  const lines = readNdjson(out);
  const failed = points(lines, 'checks')
    .filter((line) => line.data.value !== 1)
    .map((line) => line.data.tags.check);
  expect(failed).toEqual([]);
  expect(result.exitCode).toBe(0);

  const requests = points(lines, 'http_reqs').map((line) => line.data.tags);
  expect(requests[0]).toEqual({
    error: 'request timeout',
    error_code: '1050',
    expected_response: 'false',
    method: 'GET',
    name: 'slow',
    status: '0',
    url: 'slow',
  });
  expect(requests.slice(1, 3).map((tags) => [tags.status, tags.url])).toEqual([
    ['302', `${server.url}/redirect`],
    ['200', `${server.url}/final`],
  ]);
  expect(requests.find((tags) => tags.status === '429')).toMatchObject({
    error_code: '1429',
    expected_response: 'true',
  });
  expect(requests[requests.length - 1]).toMatchObject({ name: '${}/applicants/${}', url: '${}/applicants/${}' });
  const failedRate = points(lines, 'http_req_failed').map((line) => line.data.value);
  expect(failedRate.filter((value) => value === 1)).toHaveLength(1); // only the timeout
  const connecting = points(lines, 'http_req_connecting').map((line) => line.data.value);
  expect(connecting.filter((value) => value > 0).length).toBeLessThan(connecting.length); // keep-alive reuses connections
});

test('a request cut off by gracefulStop is cancelled and emits no samples', async () => {
  const script = folder.write(
    'cut-off.js',
    `import http from 'k6/http';
     export const options = { scenarios: { cut: { executor: 'constant-vus', vus: 1, duration: '1s', gracefulStop: '0s' } } };
     export default async function () { await http.asyncRequest('GET', __ENV.TARGET + '/slow'); }
     export function handleSummary() { return {}; }`,
  );
  const out = folder.path('cut-off.ndjson');
  const result = await runScript({
    script,
    out,
    env: { TARGET: server.url },
    includeSystemEnv: false,
    stdout: captureStream(),
    stderr: captureStream(),
  });
  const lines = readNdjson(out);
  expect(points(lines, 'http_reqs')).toEqual([]);
  expect(points(lines, 'iterations')).toEqual([]);
  expect(result.durationMs).toBeLessThan(1900); // the 2 s answer was not waited for
});

test('each VU keeps Set-Cookie answers for its later requests and starts every iteration with an empty jar', async () => {
  const script = folder.write(
    'cookies.js',
    `import http from 'k6/http';
     export const options = { iterations: 2 };
     export default async function () {
       const before = await http.asyncRequest('GET', __ENV.TARGET + '/me');
       const login = await http.asyncRequest('GET', __ENV.TARGET + '/login');
       const after = await http.asyncRequest('GET', __ENV.TARGET + '/me', null, { cookies: { lang: 'id', session: { value: 'forged', replace: false } } });
       const replaced = await http.asyncRequest('GET', __ENV.TARGET + '/me', null, { cookies: { session: { value: 'mine', replace: true } } });
       const jar = http.cookieJar();
       console.log([before.json('cookie'), login.cookies.session[0].value, login.cookies.session[0].httpOnly, after.json('cookie'), replaced.json('cookie'), jar.cookiesForURL(__ENV.TARGET + '/').session[0]].join(' | '));
     }
     export function handleSummary() { return {}; }`,
  );
  const stdout = captureStream();
  const result = await runScript({
    script,
    env: { TARGET: server.url },
    includeSystemEnv: false,
    stdout,
    stderr: captureStream(),
  });
  expect(result.exitCode).toBe(0);
  const lines = stdout
    .text()
    .split('\n')
    .filter((line) => line.startsWith('INFO '));
  expect(lines).toEqual([
    'INFO  | abc | true | session=abc; lang=id; session=forged | session=mine | abc',
    'INFO  | abc | true | session=abc; lang=id; session=forged | session=mine | abc',
  ]);
});

test("a VU's later requests reuse its one keep-alive connection: only the first connects (undici opened a second)", async () => {
  const script = folder.write(
    'reuse.js',
    `import http from 'k6/http';
     export const options = { iterations: 2, vus: 1 };
     export default async function () {
       for (let i = 0; i < 3; i += 1) await http.asyncRequest('GET', __ENV.TARGET + '/');
     }
     export function handleSummary() { return {}; }`,
  );
  const out = folder.path('reuse.ndjson');
  const result = await runScript({
    script,
    out,
    env: { TARGET: server.url },
    includeSystemEnv: false,
    stdout: captureStream(),
    stderr: captureStream(),
  });
  expect(result.exitCode).toBe(0);
  const connecting = points(readNdjson(out), 'http_req_connecting').map((line) => line.data.value > 0);
  expect(connecting).toEqual([true, false, false, false, false, false]);
});
