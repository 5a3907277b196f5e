import { startTracing } from './tracing';

/** The worker's tracing, started as its main's first import (see startTracing). */
export const tracing = startTracing(process.env.OTEL_SERVICE_NAME ?? 'routeswit-worker');
