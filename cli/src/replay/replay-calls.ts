/**
 * Sends recorded calls to a candidate version through the gateway, one at a time in record
 * order (at most `rate` a second), and compares each answer with the recorded one.
 */
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import type { InferenceClient } from '@infermesh/client';
import { AgreementTally, REPLAY_CALL_HEADER, type AgreementSummary } from '@infermesh/common';
import type { ModelInferRequest, ModelInferResponse__Output } from '@infermesh/proto';
import type { RecordedCall } from './recorded-calls.js';
import { rawTensor } from './tensor-from-json.js';

/** A call the candidate failed. */
export interface ReplayFailure {
  recordId: string;
  code: string;
  details: string;
}

/** What the calls gave. */
export interface ReplayOutcome {
  sent: number;
  answered: number;
  agreement: AgreementSummary;
  /** Candidate latencies (ms) of answered calls, ascending. */
  latenciesMs: number[];
  /** Failures by gRPC code name. */
  failures: Record<string, number>;
  /** The first few failures. */
  firstFailures: ReplayFailure[];
  elapsedMs: number;
}

/** How to replay. */
export interface ReplayPlan {
  model: string;
  version: string;
  /** Calls a second at most; 0: as fast as answers come. */
  rate: number;
  timeoutMs: number;
  /** Called after each call with how many are done. */
  onProgress?: (done: number) => void;
}

const FIRST_FAILURES_KEPT = 5;

/** The request a recorded call replays as: its inputs, raw, asking for the outputs it recorded. */
export function replayRequest(call: RecordedCall, plan: Pick<ReplayPlan, 'model' | 'version'>): ModelInferRequest {
  return {
    model_name: plan.model,
    model_version: plan.version,
    id: call.requestId,
    inputs: call.inputs.map(({ name, datatype, shape }) => ({ name, datatype, shape })),
    raw_input_contents: call.inputs.map((tensor) => rawTensor(tensor, call.where)),
    outputs: call.outputs.map(({ name }) => ({ name })),
  };
}

/** The recorded answer as a response, for the comparison. */
function recordedResponse(call: RecordedCall): ModelInferResponse__Output {
  return {
    model_name: call.modelName,
    model_version: call.modelVersion,
    id: call.requestId,
    parameters: {},
    outputs: call.outputs.map(({ name, datatype, shape }) => ({ name, datatype, shape: shape.map(String), parameters: {}, contents: null })),
    raw_output_contents: call.outputs.map((tensor) => rawTensor(tensor, call.where)),
  };
}

function send(client: InferenceClient, request: ModelInferRequest, timeoutMs: number): Promise<ModelInferResponse__Output> {
  // Marked, so that the gateway does not record the replayed call in the sink.
  const metadata = new Metadata();
  metadata.set(REPLAY_CALL_HEADER, '1');
  return new Promise((resolve, reject) =>
    client.stub.ModelInfer(request, metadata, { deadline: Date.now() + timeoutMs }, (error: ServiceError | null, response?: ModelInferResponse__Output) =>
      error ? reject(error) : resolve(response!),
    ),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Replays `calls` in order and tallies agreement with the recorded answers. */
export async function replayCalls(client: InferenceClient, calls: readonly RecordedCall[], plan: ReplayPlan): Promise<ReplayOutcome> {
  const tally = new AgreementTally();
  const latenciesMs: number[] = [];
  const failures: Record<string, number> = {};
  const firstFailures: ReplayFailure[] = [];
  const started = performance.now();
  let done = 0;
  for (const call of calls) {
    if (plan.rate > 0) {
      const due = started + (done * 1000) / plan.rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    }
    const request = replayRequest(call, plan);
    const expected = recordedResponse(call);
    const sent = performance.now();
    try {
      const response = await send(client, request, plan.timeoutMs);
      latenciesMs.push(performance.now() - sent);
      tally.record(expected, response);
    } catch (error) {
      const { code, details } = error as ServiceError;
      const name = status[code] ?? String(code);
      failures[name] = (failures[name] ?? 0) + 1;
      if (firstFailures.length < FIRST_FAILURES_KEPT) firstFailures.push({ recordId: call.id, code: name, details });
    }
    done++;
    plan.onProgress?.(done);
  }
  latenciesMs.sort((a, b) => a - b);
  return { sent: done, answered: latenciesMs.length, agreement: tally.summary(), latenciesMs, failures, firstFailures, elapsedMs: performance.now() - started };
}
