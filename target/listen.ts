/**
 * Listening and closing for the target's two HTTP servers, with listen errors mapped to
 * floodgate's error codes.
 */

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** Stops accepting, ends idle keep-alive connections, and resolves once the server has closed. */
export async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // Connections still busy get a short grace period, then are cut so close() never hangs.
    setTimeout(() => server.closeAllConnections(), 1000).unref();
  });
}
