/**
 * What every source does with a message, whatever brought it: parse it, call the gateway
 * (retrying while the gateway cannot take the call), and dead-letter it with the reason
 * when it is malformed or the gateway never took it. A bad message never stops its source.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, retryDelayMs, type Logger, type SourceConfig } from '@infermesh/common';
import type { ModelInferRequest } from '@infermesh/proto';
import type { DeadLetterDocument } from '../record/record-document.js';
import { CALL_OK, type GatewayCaller } from './gateway-caller.js';
import { MalformedMessage, parseSourceMessage } from './source-message.js';

/** What became of a source's messages. */
export interface SourceOutcomes {
  /** The gateway answered OK. */
  ok: number;
  /** The gateway answered an error (its prediction record says which). */
  error: number;
  deadLettered: number;
}

/** Bytes of a message kept in its dead letter. */
const DEAD_LETTER_MESSAGE_BYTES = 64 * 1024;

export interface MessageHandlerOptions {
  config: SourceConfig;
  gateway: GatewayCaller;
  /** Makes a dead letter durable (the sink's spool). */
  deadLetter(document: DeadLetterDocument): Promise<void>;
  logger: Logger;
}

export class MessageHandler {
  readonly outcomes: SourceOutcomes = { ok: 0, error: 0, deadLettered: 0 };
  private inFlight = 0;
  private readonly slotWaiters: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private readonly stopping = new AbortController();

  constructor(private readonly options: MessageHandlerOptions) {}

  /**
   * Waits for one of the source's `concurrency` slots, then starts on the message.
   * Resolves once started (so a transport can pace itself); `done` resolves once the
   * message has its outcome: true, or false when it was not kept (its dead letter could not
   * be stored; the loss is logged here). `done` never rejects, so a transport that does not
   * wait for it cannot end the process with an unhandled rejection.
   */
  async submit(payload: Uint8Array, channel: string): Promise<{ done: Promise<boolean> }> {
    while (this.inFlight >= this.options.config.concurrency) {
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
    this.inFlight++;
    const done = this.handle(payload, channel)
      .catch((error: unknown) => {
        this.options.logger.error({ err: error, source: this.options.config.name, channel }, 'message could not be handled; it is not kept');
        return false;
      })
      .finally(() => {
        this.inFlight--;
        this.slotWaiters.shift()?.();
        if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
    return { done };
  }

  /**
   * For shutdown: resolves once no message is being handled. Calls waiting to be retried
   * are not retried again; their messages are dead-lettered.
   */
  async drain(): Promise<void> {
    this.stopping.abort();
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Dead-letters a message its transport already found unusable (e.g. a stream entry
   * without the message field). Like `done`: true once stored, false (logged) if not; never rejects.
   */
  reject(payload: Uint8Array, channel: string, reason: string): Promise<boolean> {
    return this.deadLetter(payload, channel, reason);
  }

  private async handle(payload: Uint8Array, channel: string): Promise<boolean> {
    let request: ModelInferRequest;
    try {
      request = parseSourceMessage(payload, this.options.config.maxMessageBytes);
    } catch (error) {
      if (!(error instanceof MalformedMessage)) throw error;
      return this.deadLetter(payload, channel, error.message);
    }
    const { config, gateway } = this.options;
    for (let attempt = 1; ; attempt++) {
      const outcome = await gateway.infer(request, config.name, config.timeoutMs);
      if (outcome.code === CALL_OK) {
        this.outcomes.ok++;
        return true;
      }
      if (outcome.code !== ErrorCode.UNAVAILABLE) {
        this.outcomes.error++;
        return true;
      }
      if (attempt >= config.maxAttempts || this.stopping.signal.aborted) {
        return this.deadLetter(
          payload,
          channel,
          `the gateway at ${gateway.address} did not take the call after ${attempt} attempts: UNAVAILABLE: ${outcome.details}`,
        );
      }
      // Aborted at shutdown: the loop then dead-letters the message instead of waiting.
      await sleep(retryDelayMs(attempt, { initialDelayMs: 100, maxDelayMs: 5_000 }), undefined, { signal: this.stopping.signal }).catch(() => undefined);
    }
  }

  /** True once the dead letter is durable; false, logged, when it could not be stored (e.g. the spool is full). */
  private async deadLetter(payload: Uint8Array, channel: string, reason: string): Promise<boolean> {
    const { config, logger } = this.options;
    const text = Buffer.from(payload.buffer, payload.byteOffset, Math.min(payload.byteLength, DEAD_LETTER_MESSAGE_BYTES)).toString('utf8');
    const document: DeadLetterDocument = {
      kind: 'dead-letter',
      id: randomUUID(),
      time: new Date().toISOString(),
      source: config.name,
      sourceType: config.type,
      channel,
      reason,
      message: text,
      messageBytes: payload.byteLength,
    };
    try {
      await this.options.deadLetter(document);
    } catch (error) {
      logger.error({ err: error, source: config.name, channel, reason }, 'cannot store the dead letter of a message; the message is not kept');
      return false;
    }
    this.outcomes.deadLettered++;
    logger.debug({ source: config.name, reason }, 'message dead-lettered');
    return true;
  }
}
