/** An AbortSignal per incoming call, so work queued for a call is dropped once nobody waits for it. */
import type { Deadline } from '@grpc/grpc-js';
import { ServiceError } from '../errors/ServiceError.js';

/** Any incoming call, of any method shape. */
type IncomingCall = {
  readonly cancelled: boolean;
  getDeadline(): Deadline;
  on(event: 'cancelled', listener: () => void): unknown;
  removeListener(event: 'cancelled', listener: () => void): unknown;
};

/** A signal that aborts when the call is cancelled or its deadline passes; `dispose` when done. */
export interface CallSignal {
  signal: AbortSignal;
  dispose(): void;
}

/** The call's deadline in ms since the epoch; Infinity when it has none. */
export function deadlineMs(call: Pick<IncomingCall, 'getDeadline'>): number {
  const deadline = call.getDeadline();
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

/**
 * grpc-js answers an expired deadline itself without always emitting `cancelled`, so the
 * deadline is watched with a timer of our own too. The abort reason is a ServiceError
 * (CANCELLED or DEADLINE_EXCEEDED).
 */
export function callSignal(call: IncomingCall): CallSignal {
  const controller = new AbortController();
  const onCancelled = () => controller.abort(ServiceError.cancelled('call cancelled by the caller'));
  if (call.cancelled) onCancelled();
  else call.on('cancelled', onCancelled);
  let timer: NodeJS.Timeout | undefined;
  const deadline = deadlineMs(call);
  if (Number.isFinite(deadline)) {
    timer = setTimeout(
      () => controller.abort(ServiceError.deadlineExceeded('deadline exceeded')),
      Math.max(0, deadline - Date.now()),
    );
    timer.unref();
  }
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      call.removeListener('cancelled', onCancelled);
    },
  };
}
