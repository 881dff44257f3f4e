import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where a server listens once bound: its port (the real one for port 0) and its host as a URL writes it. */
export interface Bound {
  readonly port: number;
  /** `127.0.0.1`, or `[::1]` for an IPv6 host. */
  readonly hostInUrl: string;
}

/** Binds `server` on `host:port`; a failure to bind (EADDRINUSE, …) rejects with the server's error. */
export async function listen(server: Server, port: number, host: string): Promise<Bound> {
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(port, host, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  return { port: (server.address() as AddressInfo).port, hostInUrl: host.includes(':') ? `[${host}]` : host };
}
