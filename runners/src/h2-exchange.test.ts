/**
 * RunnerInfer.Exchange on the runner's HTTP/2 front, driven as a gateway drives it: many
 * ModelInfer calls on one stream, each answered under its own number with what ModelInfer
 * would have answered; deadlines and cancels per call; the stream's own end and errors. A
 * runner served by grpc-js refuses the stream as UNIMPLEMENTED, which sends a gateway back
 * to a stream per call.
 */
import * as http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { buildInferRequest } from '@infermesh/client';
import { exchangeCancel, exchangeRequestHead, framePieces, GrpcMessageSplitter, readExchangeResponse, statusOf, type ExchangeResponse } from '@infermesh/common';
import { inferenceProto, RUNNER_EXCHANGE_PATH, type ModelInferResponse__Output } from '@infermesh/proto';
import { quickInput, simpleModel, slowInput, slowModel, waitFor } from '@infermesh/testkit';
import { startRunnerWith, type RunnerFixture } from './runner-fixture.test-helper.js';

const { ModelInfer } = inferenceProto.GRPCInferenceService.service;

const simpleInputs = (n: number) => ({
  INPUT0: { datatype: 'INT32' as const, shape: [1, 16], data: new Int32Array(16).fill(n) },
  INPUT1: { datatype: 'INT32' as const, shape: [1, 16], data: new Int32Array(16).fill(1) },
});

/** One Exchange stream to a runner, with every answer and the status it ended with. */
class Exchange {
  readonly answers: ExchangeResponse[] = [];
  status: { code: grpc.status; details: string } | undefined;
  private readonly session: http2.ClientHttp2Session;
  readonly stream: http2.ClientHttp2Stream;
  /** Settles when the status has come, or the stream closed without one. */
  readonly closed: Promise<void>;

  constructor(address: string) {
    this.session = http2.connect(`http://${address}`);
    this.stream = this.session.request({ ':method': 'POST', ':path': RUNNER_EXCHANGE_PATH, 'content-type': 'application/grpc', te: 'trailers' });
    const splitter = new GrpcMessageSplitter(1 << 26, (message) => this.answers.push(readExchangeResponse(message)));
    this.stream.on('response', (headers) => {
      if (headers['grpc-status'] !== undefined) this.status = statusOf(headers);
    });
    this.stream.on('data', (chunk: Buffer) => splitter.push(chunk));
    // The status ends the call, as a gRPC client has it, whether the caller's side has ended or not.
    this.closed = new Promise((resolve) => {
      this.stream.on('trailers', (trailers) => {
        this.status = statusOf(trailers);
        resolve();
      });
      this.stream.on('close', resolve);
    });
  }

  send(call: number, model: string, inputs: Parameters<typeof buildInferRequest>[1], timeoutUs = 0, headers: [string, string][] = []): void {
    const request = ModelInfer.requestSerialize(buildInferRequest(model, inputs, { id: `call-${call}` }));
    this.stream.write(exchangeRequestHead(call, timeoutUs, headers, request.length));
    this.stream.write(request);
  }

  cancel(call: number): void {
    this.stream.write(exchangeCancel(call));
  }

  async answerOf(call: number): Promise<ExchangeResponse> {
    await waitFor(async () => this.answers.some((answer) => answer.call === call), 30_000, `the answer to call ${call}`);
    return this.answers.find((answer) => answer.call === call)!;
  }

  close(): void {
    this.session.destroy();
  }
}

const outputOf = (answer: ExchangeResponse) => {
  const response = ModelInfer.responseDeserialize(answer.response!) as ModelInferResponse__Output;
  return { id: response.id, first: response.raw_output_contents[0]!.readInt32LE(0) };
};

describe('RunnerInfer.Exchange on the HTTP/2 front', () => {
  let fixture: RunnerFixture;
  beforeAll(async () => {
    fixture = await startRunnerWith([
      { name: 'slow', bytes: slowModel() },
      { name: 'simple', bytes: simpleModel() },
    ]);
  }, 120_000);
  afterAll(() => fixture?.close());

  it('answers many calls on one stream, each under its number, as ModelInfer would', async () => {
    const exchange = new Exchange(fixture.runner.address);
    try {
      for (let call = 1; call <= 20; call++) exchange.send(call, 'simple', simpleInputs(call));
      exchange.send(21, 'nonexistent', simpleInputs(1));
      exchange.send(22, 'simple', { INPUT0: simpleInputs(1).INPUT0 });
      for (let call = 1; call <= 20; call++) {
        const answer = await exchange.answerOf(call);
        expect(answer.code).toBe(grpc.status.OK);
        expect(outputOf(answer)).toEqual({ id: `call-${call}`, first: call + 1 });
      }
      const direct = await fixture.client.infer('nonexistent', simpleInputs(1)).catch((error: grpc.ServiceError) => error);
      expect(await exchange.answerOf(21)).toMatchObject({ code: (direct as grpc.ServiceError).code, details: (direct as grpc.ServiceError).details, response: undefined });
      expect(await exchange.answerOf(22)).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/INPUT1/) });
      expect(exchange.answers).toHaveLength(22);
    } finally {
      exchange.close();
    }
  }, 60_000);

  it('answers a call past its deadline DEADLINE_EXCEEDED and a cancelled one CANCELLED, and goes on', async () => {
    const exchange = new Exchange(fixture.runner.address);
    try {
      exchange.send(1, 'slow', slowInput(), 50_000);
      exchange.send(2, 'slow', slowInput());
      await new Promise((resolve) => setTimeout(resolve, 20));
      exchange.cancel(2);
      expect(await exchange.answerOf(1)).toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
      expect(await exchange.answerOf(2)).toMatchObject({ code: grpc.status.CANCELLED });
      exchange.send(3, 'slow', quickInput(), 60_000_000);
      expect(await exchange.answerOf(3)).toMatchObject({ code: grpc.status.OK });
      expect(exchange.answers.map((answer) => answer.call).sort()).toEqual([1, 2, 3]);
    } finally {
      exchange.close();
    }
  }, 60_000);

  it('ends the stream OK once the caller has ended its side and every call is answered', async () => {
    const exchange = new Exchange(fixture.runner.address);
    try {
      exchange.send(7, 'slow', quickInput());
      exchange.stream.end();
      await exchange.closed;
      expect(exchange.answers.map((answer) => [answer.call, answer.code])).toEqual([[7, grpc.status.OK]]);
      expect(exchange.status).toEqual({ code: grpc.status.OK, details: '' });
    } finally {
      exchange.close();
    }
  }, 60_000);

  it('ends a stream that carries something else than ExchangeRequests with INVALID_ARGUMENT, and a reused call number too', async () => {
    const garbage = new Exchange(fixture.runner.address);
    const reused = new Exchange(fixture.runner.address);
    try {
      // Field 1 (call) as a length-delimited field.
      for (const piece of framePieces([Buffer.from([0x0a, 0x01, 0x00])])) garbage.stream.write(piece);
      await garbage.closed;
      expect(garbage.status).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/call has wire type 2/) });
      reused.send(1, 'slow', slowInput());
      reused.send(1, 'simple', simpleInputs(1));
      await reused.closed;
      expect(reused.status).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: 'call 1 is already running on this exchange stream' });
    } finally {
      garbage.close();
      reused.close();
    }
    // The runner serves on.
    expect((await fixture.client.infer('simple', simpleInputs(2))).id).toBe('');
  }, 60_000);
});

describe('RunnerInfer.Exchange under limits.maxConcurrentStreams', () => {
  let fixture: RunnerFixture;
  beforeAll(async () => {
    fixture = await startRunnerWith([{ name: 'slow', bytes: slowModel() }], 'cpu', { maxConcurrentStreams: 2 });
  }, 120_000);
  afterAll(() => fixture?.close());

  it('runs as many calls at once on one stream as a connection may have streams, and refuses the next RESOURCE_EXHAUSTED', async () => {
    const exchange = new Exchange(fixture.runner.address);
    try {
      for (let call = 1; call <= 3; call++) exchange.send(call, 'slow', slowInput());
      expect(await exchange.answerOf(3)).toMatchObject({
        code: grpc.status.RESOURCE_EXHAUSTED,
        details: 'more than 2 calls at once on one exchange stream (limits.maxConcurrentStreams)',
      });
      expect(await exchange.answerOf(1)).toMatchObject({ code: grpc.status.OK });
      expect(await exchange.answerOf(2)).toMatchObject({ code: grpc.status.OK });
      // Room again: the next call runs.
      exchange.send(4, 'slow', quickInput());
      expect(await exchange.answerOf(4)).toMatchObject({ code: grpc.status.OK });
    } finally {
      exchange.close();
    }
  }, 60_000);
});

describe('RunnerInfer.Exchange on a runner served by grpc-js', () => {
  let fixture: RunnerFixture;
  beforeAll(async () => {
    fixture = await startRunnerWith([{ name: 'simple', bytes: simpleModel() }], 'cpu', { server: 'grpc-js' });
  }, 120_000);
  afterAll(() => fixture?.close());

  it('is refused UNIMPLEMENTED, and no call on it runs', async () => {
    const exchange = new Exchange(fixture.runner.address);
    try {
      exchange.send(1, 'simple', simpleInputs(1));
      await exchange.closed;
      expect(exchange.status?.code).toBe(grpc.status.UNIMPLEMENTED);
      expect(exchange.answers).toEqual([]);
    } finally {
      exchange.close();
    }
  }, 60_000);
});
