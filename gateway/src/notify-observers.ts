/** A gateway's observers as one: the caller's list, then the gateway's own, both read at every call. */
import type { Logger } from '@infermesh/common';
import type { InferEvent, InferObserver } from './InferObserver.js';

/** What the forwarding paths (grpc-js and HTTP/2) tell the observers about each call. */
export interface ObserverNotifier {
  /** Asks every observer to take one more call (one may refuse by throwing, e.g. the sink publisher with mustNotLose). */
  admit(): void;
  /** Tells every observer about a finished call; one that throws is logged and skipped. */
  notify(event: InferEvent): void;
  /** Whether any observer listens now, so a path can skip collecting the response for nobody. */
  readonly listening: boolean;
}

export function observerNotifier(logger: Logger, observers: readonly InferObserver[], own: readonly InferObserver[]): ObserverNotifier {
  const notifyAll = (list: readonly InferObserver[], event: InferEvent) => {
    for (const observer of list) {
      try {
        observer.onInfer(event);
      } catch (error) {
        logger.error({ err: error }, 'an inference observer threw');
      }
    }
  };
  return {
    admit() {
      for (const observer of observers) observer.admit?.();
      for (const observer of own) observer.admit?.();
    },
    notify(event) {
      notifyAll(observers, event);
      notifyAll(own, event);
    },
    get listening() {
      return observers.length > 0 || own.length > 0;
    },
  };
}
