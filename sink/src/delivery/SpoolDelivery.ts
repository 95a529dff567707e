/**
 * The spool's delivery: one worker per destination, each resumed at its saved cursor, and
 * the spool's segments deleted once every destination has passed them.
 */
import type { Logger } from '@infermesh/common';
import { createDestination } from '../destinations/create-destination.js';
import type { ResolvedDestinationConfig } from '@infermesh/common';
import { CursorStore } from '../spool/CursorStore.js';
import type { Spool } from '../spool/Spool.js';
import { DeadLetterFile, type DeadLetterLimits } from './DeadLetterFile.js';
import { DestinationWorker } from './DestinationWorker.js';

/**
 * Every destination's worker over one spool.
 * @internal
 */
export class SpoolDelivery {
  /** One per destination, in config order. */
  readonly workers: DestinationWorker[] = [];
  /** Segment deletions, one after the other. */
  private releasing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly spool: Spool,
    private readonly logger: Logger,
  ) {}

  /** Builds a worker per destination at its saved cursor, in `spoolDir`; none is started yet. */
  static async open(
    spool: Spool,
    spoolDir: string,
    destinations: readonly ResolvedDestinationConfig[],
    deadLetterLimits: DeadLetterLimits,
    logger: Logger,
  ): Promise<SpoolDelivery> {
    const delivery = new SpoolDelivery(spool, logger);
    const cursors = new CursorStore(spoolDir);
    for (const destination of destinations) {
      const saved = await cursors.load(destination.name);
      // A new destination starts at the oldest record still spooled.
      const startAt = Math.min(Math.max(saved ?? spool.firstSequence, spool.firstSequence), spool.nextSequence);
      delivery.workers.push(
        new DestinationWorker({
          config: destination,
          destination: createDestination(destination, logger),
          spool,
          cursors,
          deadLetters: new DeadLetterFile(spoolDir, destination.name, deadLetterLimits),
          startAt,
          onAdvance: delivery.onAdvance,
          logger,
        }),
      );
    }
    return delivery;
  }

  /** The lowest sequence not passed by every destination (the spool's next one when there are none). */
  get passed(): number {
    return Math.min(this.spool.nextSequence, ...this.workers.map((worker) => worker.position));
  }

  /** Spooled entries not yet passed by every destination. */
  get depth(): number {
    return this.spool.nextSequence - this.passed;
  }

  start(): void {
    for (const worker of this.workers) worker.start();
  }

  /** Lets deliveries in flight finish (up to the workers' grace time) and saves the cursors. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close()));
  }

  private readonly onAdvance = (): void => {
    this.releasing = this.releasing
      .then(() => this.spool.release(this.passed))
      .catch((error: unknown) => this.logger.error({ err: error }, 'cannot delete spent spool segments'));
  };
}
