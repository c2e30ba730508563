/**
 * Listening and closing for the target's two HTTP servers, with listen errors mapped to
 * floodgate's error codes.
 */

import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { FloodgateError } from '../contracts/errors.ts';

/**
 * Connections the kernel may hold for a server before it accepts them. Node's default (511)
 * overflows when a thousand clients connect at once: the dropped handshakes are retried only after
 * 1, 3, 7 s, and the requests on them time out however fast the server answers. Linux caps the
 * value at net.core.somaxconn (4096 on current kernels).
 */
export const LISTEN_BACKLOG = 4096;

/** Listens on host:port (0 = a free port); resolves to the `http://host:port` URL actually bound. */
export async function listenOn(server: Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') reject(new FloodgateError('PORT_IN_USE', { host, port }, { cause: error }));
      else reject(new FloodgateError('LISTEN_FAILED', { host, port, detail: error.message }, { cause: error }));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host, backlog: LISTEN_BACKLOG });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${shownHost}:${address.port}`;
}

/**
 * Extra accept handles per listening target: Node 20's libuv accepts one connection per handle
 * per event-loop turn (libuv PR 3696; strace: one `accept4` per `epoll_pwait`), so under load a
 * turn that works through many requests admits one new connection. Each copy of the listening
 * socket (a duplicate file descriptor, with its own watcher) accepts one more per turn.
 */
export const ACCEPT_COPIES = 8;

/** The copies added to each server, closed with it. */
const copiesOf = new WeakMap<Server, NetServer[]>();

/**
 * A helper process that receives a listening socket over IPC and sends it back `count` times:
 * every passage over a Unix socket (SCM_RIGHTS) duplicates the file descriptor, which Node has
 * no other way to do. It runs without tsx or the parent's flags and exits when done. While it runs
 * its own copy listens too and could take a connection: so the target adds its copies before it
 * says where it listens (with `--port 0` no client can know the port yet). A raw handle, which the
 * helper would not listen on, does not come back more than once over Node's IPC (measured), hence
 * the server.
 */
const DUPLICATOR = `process.once('message', (message, handle) => {
  let left = message.count;
  const next = (error) => {
    if (error || left-- <= 0) { handle.close(); process.disconnect(); return; }
    process.send({ copy: true }, handle, { keepOpen: true }, next);
  };
  next();
});`;

/**
 * Adds `count` accept handles to a listening server (see ACCEPT_COPIES): connections they accept
 * are served by `server` exactly as its own. Resolves once all are listening; on any failure the
 * server keeps working with the copies it got (a slower accept rate, nothing else).
 */
export async function addAcceptCopies(server: Server, count = ACCEPT_COPIES): Promise<number> {
  if (count <= 0 || !server.listening) return 0;
  const copies: NetServer[] = [];
  copiesOf.set(server, copies);
  await new Promise<void>((resolve) => {
    const child = spawn(process.execPath, ['-e', DUPLICATOR], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    const done = (): void => {
      clearTimeout(timer);
      child.removeAllListeners('message');
      if (child.exitCode === null) child.kill();
      resolve();
    };
    const timer = setTimeout(done, 10_000).unref();
    child.on('message', (_message, handle) => {
      if (!handle || !server.listening) return;
      // Node hands the copy over already listening; its connections are served as the server's own
      // (http.Server's connection listener takes them from here, with Nagle off as http.Server sets it).
      const copy = handle as NetServer;
      copy.on('connection', (socket) => server.emit('connection', socket.setNoDelay(true)));
      copy.on('error', () => undefined);
      copies.push(copy);
      if (copies.length === count) done();
    });
    child.once('error', done);
    child.once('exit', () => setTimeout(done, 100));
    child.send({ count }, server as unknown as NetServer);
  });
  return copies.length;
}

/** Stops accepting, ends idle keep-alive connections, and resolves once the server has closed. */
export async function closeServer(server: Server): Promise<void> {
  for (const copy of copiesOf.get(server) ?? []) copy.close();
  copiesOf.delete(server);
  if (!server.listening) return;
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // Connections still busy get a short grace period, then are cut so close() never hangs.
    setTimeout(() => server.closeAllConnections(), 1000).unref();
  });
}
