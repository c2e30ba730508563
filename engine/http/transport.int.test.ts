/**
 * The engine's own HTTP/1.1 client against raw `net` servers on 127.0.0.1 that answer with
 * hand-written bytes: framing (Content-Length split across reads, chunked with extensions and
 * trailers, read-to-close, HEAD, 204, 1xx), decoding, keep-alive reuse per VU, Go's retry of a
 * reused connection the server closed, errors as k6 codes them, and TLS (a self-signed
 * certificate for localhost/127.0.0.1 in fixtures/, made with openssl req -x509, 100 years).
 */

import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, expect, test } from 'vitest';
import { HttpTransport, type TransportRequest } from './transport.ts';

const servers: Server[] = [];
const transports: HttpTransport[] = [];

afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A server that calls `answer` with each request head it reads and the socket; counts connections. */
async function rawServer(answer: (head: string, socket: Socket, index: number) => void) {
  const state = { connections: 0, requests: [] as string[] };
  const server = createServer((socket) => {
    state.connections += 1;
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        state.requests.push(head);
        answer(head, socket, state.requests.length - 1);
      }
    });
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, state };
}

function transport(): HttpTransport {
  const created = new HttpTransport();
  transports.push(created);
  return created;
}

const get = (url: string, extra: Partial<TransportRequest> = {}): TransportRequest => ({
  method: 'GET',
  url: new URL(url),
  headers: { 'User-Agent': 'k6/test' },
  body: undefined,
  timeoutMs: 5000,
  keepBody: true,
  ...extra,
});

test('a Content-Length body split over several reads arrives whole, and the next request reuses the connection', async () => {
  const { url, state } = await rawServer((_head, socket) => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\nX-Thing: a\r\n\r\nhello');
    setTimeout(() => socket.write('world'), 20);
  });
  const client = transport();
  const vu = client.connectionsForVu();
  const first = await client.send(get(`${url}/one`), vu);
  const second = await client.send(get(`${url}/two`), vu);
  expect(first.body?.toString()).toBe('helloworld');
  expect(first.headers).toEqual([
    ['Content-Length', '10'],
    ['X-Thing', 'a'],
  ]);
  expect(first.timings.connecting).toBeGreaterThan(0);
  expect(second.timings.connecting).toBe(0);
  expect(second.body?.toString()).toBe('helloworld');
  expect(state.connections).toBe(1);
  expect(first.bytesReceived).toBe('HTTP/1.1 200 OK\r\nContent-Length: 10\r\nX-Thing: a\r\n\r\nhelloworld'.length);
  expect(state.requests[0]).toBe('GET /one HTTP/1.1\r\nHost: ' + new URL(url).host + '\r\nUser-Agent: k6/test');
  expect(first.bytesSent).toBe((state.requests[0] as string).length + 4);
});

test('a chunked body with chunk extensions and trailers is reassembled; a gzip body is decoded', async () => {
  const zipped = gzipSync(Buffer.from('squeezed'));
  const { url } = await rawServer((head, socket) => {
    if (head.includes('/zip')) {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${zipped.length}\r\n\r\n`);
      socket.write(zipped);
      return;
    }
    socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhel');
    setTimeout(() => socket.write('lo\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n'), 10);
  });
  const client = transport();
  const vu = client.connectionsForVu();
  expect((await client.send(get(`${url}/chunks`), vu)).body?.toString()).toBe('hello world');
  expect((await client.send(get(`${url}/zip`), vu)).body?.toString()).toBe('squeezed');
});

test('bare LF line ends are read as Go reads them (textproto ReadLine), also when the head is cut between reads', async () => {
  const { url } = await rawServer((head, socket) => {
    if (head.includes('/split')) {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n');
      setTimeout(() => socket.write('\r\nabc'), 10);
    } else socket.write('HTTP/1.1 200 OK\nContent-Length: 2\nX-Lf: yes\n\nok');
  });
  const client = transport();
  const vu = client.connectionsForVu();
  const lf = await client.send(get(`${url}/lf`, { timeoutMs: 2000 }), vu);
  expect([lf.status, lf.statusText, lf.body?.toString(), lf.headers]).toEqual([
    200,
    'OK',
    'ok',
    [
      ['Content-Length', '2'],
      ['X-Lf', 'yes'],
    ],
  ]);
  const split = await client.send(get(`${url}/split`, { timeoutMs: 2000 }), vu);
  expect([split.status, split.statusText, split.body?.toString()]).toEqual([200, 'OK', 'abc']);
});

test('HEAD, 204 and 1xx answers carry no body; a body without length runs to the close and that connection is not reused', async () => {
  const { url, state } = await rawServer((head, socket) => {
    if (head.startsWith('HEAD')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n');
    else if (head.includes('/empty')) socket.write('HTTP/1.1 204 No Content\r\n\r\n');
    else if (head.includes('/early'))
      socket.write('HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    else socket.end('HTTP/1.1 200 OK\r\n\r\nuntil the end');
  });
  const client = transport();
  const vu = client.connectionsForVu();
  const head = await client.send(get(url, { method: 'HEAD' }), vu);
  expect([head.status, head.body?.length]).toEqual([200, 0]);
  const empty = await client.send(get(`${url}/empty`), vu);
  expect([empty.status, empty.statusText]).toEqual([204, 'No Content']);
  const early = await client.send(get(`${url}/early`), vu);
  expect([early.status, early.body?.toString()]).toEqual([200, 'ok']);
  expect(state.connections).toBe(1);
  const open = await client.send(get(`${url}/open`), vu);
  expect(open.body?.toString()).toBe('until the end');
  await client.send(get(`${url}/empty`), vu);
  expect(state.connections).toBe(2);
});

test('a keep-alive connection the server closed while idle is retried once on a new one (Go shouldRetryRequest); a POST is not', async () => {
  const { url, state } = await rawServer((head, socket, index) => {
    if (index === 0 || head.includes('/fresh')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    else socket.destroy(); // closes without an answer, as a server whose idle timer fired
  });
  const client = transport();
  const vu = client.connectionsForVu();
  await client.send(get(url), vu);
  const retried = await client.send(get(`${url}/gone`), vu);
  // the retry went to a new connection, which the server also closed: the error is Go's EOF
  expect(retried.error).toEqual({ code: 1000, message: 'EOF' });
  expect(state.requests.filter((head) => head.includes('/gone'))).toHaveLength(2);
  await client.send(get(`${url}/fresh`), vu);
  const post = await client.send(get(`${url}/gone-post`, { method: 'POST' }), vu);
  expect(post.error?.code).toBe(1000);
  expect(state.requests.filter((head) => head.includes('/gone-post'))).toHaveLength(1);
  expect(state.requests.find((head) => head.includes('/gone-post'))).toContain('Content-Length: 0');
});

test('errors come back as k6 codes them: refused, timeout, malformed, invalid header', async () => {
  const { url } = await rawServer((head, socket) => {
    if (head.includes('/junk')) socket.write('SPDY/9 nonsense\r\n\r\n');
    // '/silent' never answers
  });
  const client = transport();
  const refused = await client.send(get('http://127.0.0.1:1/'));
  expect(refused.error).toEqual({ code: 1212, message: 'dial: connection refused' });
  const timedOut = await client.send(get(`${url}/silent`, { timeoutMs: 100 }));
  expect(timedOut.error).toEqual({ code: 1050, message: 'request timeout' });
  // k6's tracer: a request written but never answered waits until it ends, so its duration is ~ the timeout
  expect(timedOut.timings.waiting).toBeGreaterThanOrEqual(95);
  expect(timedOut.timings.duration).toBe(timedOut.timings.sending + timedOut.timings.waiting);
  expect(refused.timings).toMatchObject({ blocked: 0, connecting: 0, duration: 0 });
  const junk = await client.send(get(`${url}/junk`));
  expect([junk.status, junk.error?.code]).toEqual([0, 1000]);
  const injected = await client.send(get(url, { headers: { 'X-Bad': 'a\r\nInjected: 1' } }));
  expect(injected.error?.message).toBe('net/http: invalid header field value for "X-Bad"');
});

test('each VU has its own connections, and noConnectionReuse closes every one after its answer', async () => {
  const { url, state } = await rawServer((_head, socket) =>
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'),
  );
  const client = transport();
  const [one, two] = [client.connectionsForVu(), client.connectionsForVu()];
  await client.send(get(url), one);
  await client.send(get(url), two);
  await client.send(get(url), one);
  expect(state.connections).toBe(2);
  client.configure({ noConnectionReuse: true });
  const three = client.connectionsForVu();
  await client.send(get(url), three);
  await client.send(get(url), three);
  expect(state.connections).toBe(4);
  expect(state.requests[state.requests.length - 1]).toContain('Connection: close');
});

test('https: the handshake is timed, the version reported as k6 names it, and an unknown authority refused unless insecureSkipTLSVerify', async () => {
  const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
  const server = createHttpsServer(
    { key: fixture('localhost.key'), cert: fixture('localhost.crt') },
    (_request, response) => response.end('secure'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server as unknown as Server);
  const address = server.address();
  const url = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  const strict = transport();
  expect((await strict.send(get(url))).error).toEqual({ code: 1310, message: 'x509: unknown authority' });
  const lenient = transport();
  lenient.configure({ insecureSkipTLSVerify: true });
  const vu = lenient.connectionsForVu();
  const first = await lenient.send(get(url), vu);
  const second = await lenient.send(get(url), vu);
  expect([first.status, first.body?.toString(), first.tlsVersion]).toEqual([200, 'secure', 'tls1.3']);
  expect(first.timings.tls_handshaking).toBeGreaterThan(0);
  expect(first.timings.blocked).toBeGreaterThanOrEqual(first.timings.connecting + first.timings.tls_handshaking);
  expect(second.timings.tls_handshaking).toBe(0);
});
