import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name: string): Logger {
  return pino({
    level,
    name,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Keys and secrets must never reach the logs, even when a request is logged whole.
    redact: { paths: ['req.headers.authorization', 'authorization', 'secret', '*.secret'], censor: '[redacted]' },
  });
}
