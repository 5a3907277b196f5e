import type http from 'node:http';

/**
 * Stopping without dropping requests (a rollout sends SIGTERM to every old pod): the server stops accepting
 * connections, answers what it has in flight (each answer closing its connection, so keep-alive clients go to
 * another replica), and gives up waiting after `graceMs`, closing what is left.
 */
export interface Drainer {
  /** Requests being answered now. */
  readonly inFlight: number;
  drain(graceMs: number): Promise<{ unfinished: number }>;
}

export function drainable(server: http.Server, state: { draining: boolean }): Drainer {
  let inFlight = 0;
  let settled: (() => void) | undefined;
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    inFlight++;
    if (state.draining) res.setHeader('Connection', 'close');
    res.on('close', () => {
      inFlight--;
      if (state.draining && inFlight === 0) settled?.();
    });
  });
  return {
    get inFlight() {
      return inFlight;
    },
    async drain(graceMs) {
      state.draining = true;
      server.close();
      server.closeIdleConnections();
      const idle = setInterval(() => server.closeIdleConnections(), 100);
      try {
        if (inFlight > 0) {
          await Promise.race([new Promise<void>((r) => (settled = r)), new Promise((r) => setTimeout(r, graceMs).unref())]);
        }
      } finally {
        clearInterval(idle);
      }
      const unfinished = inFlight;
      server.closeAllConnections();
      return { unfinished };
    },
  };
}
