/** What a caller controls on each call: its deadline, its cancellation and its metadata. */
import * as grpc from '@grpc/grpc-js';

export interface CallControl {
  /** Deadline in milliseconds from now. */
  timeoutMs?: number;
  /** Deadline as a time (a Date or epoch milliseconds); the earlier of this and `timeoutMs` wins. */
  deadline?: Date | number;
  /** Aborting it cancels the call (RST_STREAM to the server) and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Extra gRPC metadata (headers). */
  metadata?: Record<string, string>;
}

export function metadataOf(control: CallControl): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(control.metadata ?? {})) metadata.set(key, value);
  return metadata;
}

/** grpc-js call options with the earlier of the two deadlines, or none. */
export function callOptionsOf(control: CallControl): grpc.CallOptions {
  const deadlines = [
    ...(control.timeoutMs === undefined ? [] : [Date.now() + control.timeoutMs]),
    ...(control.deadline === undefined ? [] : [Number(control.deadline)]),
  ];
  return deadlines.length === 0 ? {} : { deadline: Math.min(...deadlines) };
}

/** `answer`, or a rejection with the signal's reason once it aborts (after `cancel`). */
export function rejectOnAbort<T>(answer: Promise<T>, signal: AbortSignal | undefined, cancel: () => void): Promise<T> {
  if (!signal) return answer;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      cancel();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    answer.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
