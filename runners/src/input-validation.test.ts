import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import type { ModelInferRequest } from '@infermesh/proto';
import { int32s, modelInfer } from '@infermesh/testkit';
import { startRunnerFixture, type RunnerFixture } from './runner-fixture.test-helper.js';

let fixture: RunnerFixture;
beforeAll(async () => {
  fixture = await startRunnerFixture({ maxTensorElements: 1000 });
}, 60_000);
afterAll(() => fixture?.close());

const input = (name: string, shape = [1, 16], datatype = 'INT32') => ({ name, datatype, shape });
const simple = (overrides: Partial<ModelInferRequest>): ModelInferRequest => ({
  model_name: 'simple',
  inputs: [input('INPUT0'), input('INPUT1')],
  raw_input_contents: [int32s(16), int32s(16)],
  ...overrides,
});

async function expectError(request: ModelInferRequest, code: status, details: string): Promise<void> {
  expect(await modelInfer(fixture.client, request)).toEqual({ ok: false, code, details });
}

describe('runner input validation', () => {
  it('accepts the well-formed request the error cases below start from', async () => {
    const outcome = await modelInfer(fixture.client, simple({}));
    expect(outcome.ok).toBe(true);
  });

  it('unknown input → INVALID_ARGUMENT naming it and the expected inputs', () =>
    expectError(
      simple({ inputs: [input('INPUT0'), input('INPUT9')] }),
      status.INVALID_ARGUMENT,
      "unknown input 'INPUT9'; model 'simple' version 1 takes INPUT0 (INT32 [-1,16]), INPUT1 (INT32 [-1,16])",
    ));

  it('missing input → INVALID_ARGUMENT naming it', () =>
    expectError(
      simple({ inputs: [input('INPUT0')], raw_input_contents: [int32s(16)] }),
      status.INVALID_ARGUMENT,
      "missing input INPUT1 (INT32 [-1,16]) for model 'simple' version 1",
    ));

  it('wrong datatype → INVALID_ARGUMENT with expected and given', () =>
    expectError(
      simple({ inputs: [input('INPUT0', [1, 16], 'FP32'), input('INPUT1')] }),
      status.INVALID_ARGUMENT,
      "input 'INPUT0': expected datatype INT32, got 'FP32'",
    ));

  it('a datatype that is not in the protocol is named as such', () =>
    expectError(
      simple({ inputs: [input('INPUT0', [1, 16], 'FLOAT'), input('INPUT1')] }),
      status.INVALID_ARGUMENT,
      "input 'INPUT0': expected datatype INT32, got 'FLOAT' (not a protocol datatype)",
    ));

  it('wrong rank → INVALID_ARGUMENT with expected and given shapes', () =>
    expectError(
      simple({ inputs: [input('INPUT0', [16]), input('INPUT1')] }),
      status.INVALID_ARGUMENT,
      "input 'INPUT0': expected shape [-1,16] (rank 2), got [16] (rank 1)",
    ));

  it('wrong dimension → INVALID_ARGUMENT naming the dimension', () =>
    expectError(
      simple({ inputs: [input('INPUT0'), input('INPUT1', [2, 8])] }),
      status.INVALID_ARGUMENT,
      "input 'INPUT1': dimension 1 must be 16, got 8 (expected shape [-1,16], got [2,8])",
    ));

  it('negative dimension → INVALID_ARGUMENT', () =>
    expectError(
      simple({ inputs: [input('INPUT0', [-1, 16]), input('INPUT1')] }),
      status.INVALID_ARGUMENT,
      "input 'INPUT0': shape [-1,16] has a negative dimension",
    ));

  it('raw byte length that does not match shape × element size → INVALID_ARGUMENT', () =>
    expectError(
      simple({ raw_input_contents: [int32s(16), int32s(15)] }),
      status.INVALID_ARGUMENT,
      "input 'INPUT1': expected 64 bytes of raw INT32 data (16 elements × 4), got 60",
    ));

  it('contents and raw bytes both given → INVALID_ARGUMENT', () =>
    expectError(
      simple({
        inputs: [{ ...input('INPUT0'), contents: { int_contents: new Array(16).fill(1) } }, input('INPUT1')],
      }),
      status.INVALID_ARGUMENT,
      "input 'INPUT0': has both contents and raw_input_contents; a request uses one form for all inputs",
    ));

  it('raw entries that do not match the inputs one to one → INVALID_ARGUMENT', () =>
    expectError(
      simple({ raw_input_contents: [int32s(16)] }),
      status.INVALID_ARGUMENT,
      'raw_input_contents has 1 entries but the request has 2 inputs; send one entry per input, in input order',
    ));

  it('an input with no data at all → INVALID_ARGUMENT saying where data goes', () =>
    expectError(
      simple({ raw_input_contents: [] }),
      status.INVALID_ARGUMENT,
      "input 'INPUT0': no data; set contents.int_contents or raw_input_contents",
    ));

  it('typed contents of the wrong length → INVALID_ARGUMENT', () =>
    expectError(
      simple({
        raw_input_contents: [],
        inputs: [
          { ...input('INPUT0'), contents: { int_contents: [1, 2, 3] } },
          { ...input('INPUT1'), contents: { int_contents: new Array(16).fill(1) } },
        ],
      }),
      status.INVALID_ARGUMENT,
      "input 'INPUT0': expected 16 elements in contents.int_contents, got 3",
    ));

  it('the same input twice → INVALID_ARGUMENT', () =>
    expectError(
      simple({ inputs: [input('INPUT0'), input('INPUT0')] }),
      status.INVALID_ARGUMENT,
      "input 'INPUT0' is given more than once",
    ));

  it('a tensor over the element limit is refused before anything is allocated', () =>
    expectError(
      simple({ inputs: [input('INPUT0', [100, 16]), input('INPUT1', [100, 16])], raw_input_contents: [] }),
      status.INVALID_ARGUMENT,
      "input 'INPUT0': shape [100,16] has 1600 elements, over limits.maxTensorElements of 1000",
    ));

  it('unknown requested output → INVALID_ARGUMENT naming the outputs', () =>
    expectError(
      simple({ outputs: [{ name: 'OUTPUT7' }] }),
      status.INVALID_ARGUMENT,
      "unknown output 'OUTPUT7' requested; model 'simple' version 1 has outputs OUTPUT0, OUTPUT1",
    ));

  it('unknown model → NOT_FOUND', () => expectError(simple({ model_name: 'nope' }), status.NOT_FOUND, "unknown model 'nope'"));

  it('unknown version → NOT_FOUND listing the versions', () =>
    expectError(
      { model_name: 'mlp', model_version: '7', inputs: [] },
      status.NOT_FOUND,
      "model 'mlp' has no version '7' (versions: 1, 2)",
    ));

  it('a version that failed to load → UNAVAILABLE with the reason', async () => {
    const outcome = await modelInfer(fixture.client, { model_name: 'broken', model_version: '1', inputs: [] });
    expect(outcome).toMatchObject({ ok: false, code: status.UNAVAILABLE });
    expect(outcome.ok || outcome.details).toMatch(/^model 'broken' version 1 failed to load: /);
  });
});
