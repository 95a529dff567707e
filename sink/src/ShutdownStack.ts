/** The sink's shutdown order: each part registers how it stops as it starts. */
import type { Logger } from '@infermesh/common';

/**
 * Stops what was started in the reverse order, so that nothing stops before what feeds it.
 * @internal
 */
export class ShutdownStack {
  private readonly closers: (() => Promise<void>)[] = [];

  constructor(private readonly logger: Logger) {}

  /** Registers how the part just started stops. */
  push(close: () => Promise<void>): void {
    this.closers.push(close);
  }

  /**
   * Runs every close registered so far, last first. A failing close is logged and the rest
   * still run; a second call (or one made meanwhile) finds nothing left to stop.
   */
  async closeAll(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) {
      await close().catch((error: unknown) => this.logger.error({ err: error }, 'error while stopping the sink'));
    }
  }
}
