/** The sink's sources: each one's broker subscription, its message handler, and the gateway they call. */
import type { ClientSecurity, Logger } from '@infermesh/common';
import type { DeadLetterDocument } from '../record/record-document.js';
import type { ShutdownStack } from '../ShutdownStack.js';
import type { SinkConfig } from '@infermesh/common';
import { createSource } from './create-source.js';
import { GatewayCaller } from './gateway-caller.js';
import { MessageHandler, type SourceOutcomes } from './MessageHandler.js';
import type { Source } from './Source.js';

/**
 * The configured sources, started after everything they feed.
 * @internal
 */
export class SinkSources {
  /** What became of each source's messages, in config order; none before `start`. */
  readonly outcomes: { name: string; outcomes: SourceOutcomes }[] = [];
  private readonly sources: Source[] = [];

  constructor(
    private readonly config: Pick<SinkConfig, 'sources' | 'gateway' | 'maxMessageBytes'>,
    /** Makes a dead letter durable (the spool). */
    private readonly deadLetter: (document: DeadLetterDocument) => Promise<void>,
    private readonly logger: Logger,
    /** How the sources reach the gateway: the mesh's TLS (or plaintext) and INFERMESH_TOKEN. */
    private readonly security: ClientSecurity = {},
  ) {}

  /**
   * Starts every source (each connects in the background); resolves once all are subscribed.
   * Their stops go on `shutdown` as they start: the gateway client first, so that it stops
   * after the sources.
   */
  start(shutdown: ShutdownStack): Promise<void> {
    const { config, deadLetter, logger, sources } = this;
    if (config.sources.length > 0) {
      const gateway = new GatewayCaller(config.gateway, config.maxMessageBytes, this.security);
      shutdown.push(async () => gateway.close());
      for (const source of config.sources) {
        const handler = new MessageHandler({ config: source, gateway, deadLetter, logger });
        this.outcomes.push({ name: source.name, outcomes: handler.outcomes });
        sources.push(createSource(source, handler, logger));
      }
      shutdown.push(async () => {
        await Promise.all(sources.map((source) => source.close()));
      });
    }
    return Promise.all(sources.map((source) => source.ready)).then(() => undefined);
  }
}
