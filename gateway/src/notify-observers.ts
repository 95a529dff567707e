/** Tells a gateway's observers about one forwarded inference; one that throws is logged and skipped. */
import type { Logger } from '@infermesh/common';
import type { InferEvent, InferObserver } from './InferObserver.js';

/** A notifier over the caller's observers then the gateway's own; both lists are read at every call. */
export function observerNotifier(logger: Logger, observers: readonly InferObserver[], own: readonly InferObserver[]): (event: InferEvent) => void {
  const notifyAll = (list: readonly InferObserver[], event: InferEvent) => {
    for (const observer of list) {
      try {
        observer.onInfer(event);
      } catch (error) {
        logger.error({ err: error }, 'an inference observer threw');
      }
    }
  };
  return (event) => {
    notifyAll(observers, event);
    notifyAll(own, event);
  };
}
