import { isGrpcDeadlineError, isGrpcServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';

/** gRPC status UNAVAILABLE: the server cannot be reached. */
const GRPC_UNAVAILABLE = 14;

/**
 * "Temporal did not answer": unreachable, or not in time, anywhere in the cause chain (the SDK wraps gRPC
 * errors in its own). One definition for every caller; the API reports it as 503 with Retry-After.
 */
export function isUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isGrpcDeadlineError(e)) return true;
    if (isGrpcServiceError(e) && e.code === GRPC_UNAVAILABLE) return true;
  }
  return false;
}

export { isGrpcDeadlineError as isDeadlineExceeded };
