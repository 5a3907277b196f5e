import http from 'node:http';
import type { Worker } from '@temporalio/worker';

/**
 * The worker's health for a container or Kubernetes probe (on WORKER_HEALTH_HOST): 200 while it polls, 503
 * once it drains, stops or fails (the orchestrator then restarts it). It says nothing but the worker's state.
 */
export function serveHealth(worker: Worker, port: number, host = '127.0.0.1'): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const state = worker.getState();
    res.statusCode = req.url === '/healthz' ? (state === 'RUNNING' ? 200 : 503) : 404;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ state }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
