import pino, { type Logger } from 'pino';
import { traceIds } from './telemetry/tracing';

export type { Logger };

export function createLogger(level: string, name: string): Logger {
  return pino({
    level,
    name,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    // A line written inside a traced span names it, so a log search leads to the trace and back.
    mixin: () => traceIds() ?? {},
    // Keys and secrets must never reach the logs, even when a request is logged whole.
    redact: { paths: ['req.headers.authorization', 'authorization', 'secret', '*.secret'], censor: '[redacted]' },
  });
}
