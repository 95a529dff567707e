/**
 * The tensor codec of `@infermesh/client` as services use it: data that does not match its
 * datatype or shape is the caller's INVALID_ARGUMENT ServiceError, with the codec's message.
 */
import { decodeContents as decodeContentsAs, decodeRaw as decodeRawAs, encodeContents as encodeContentsAs, TensorDataError, type TensorData } from '@infermesh/client';
import type { InferTensorContents, InferTensorContents__Output } from '@infermesh/proto';
import { ServiceError } from '../errors/ServiceError.js';
import type { Datatype } from '@infermesh/client';

/** A TensorDataError as INVALID_ARGUMENT; anything else as it is. */
function asServiceError(error: unknown): unknown {
  return error instanceof TensorDataError ? ServiceError.invalidArgument(error.message, { cause: error }) : error;
}

/** {@link decodeRawAs}, whose mismatches are INVALID_ARGUMENT. */
export function decodeRaw(name: string, datatype: Datatype, count: number, bytes: Uint8Array): TensorData {
  try {
    return decodeRawAs(name, datatype, count, bytes);
  } catch (error) {
    throw asServiceError(error);
  }
}

/** {@link decodeContentsAs}, whose mismatches are INVALID_ARGUMENT. */
export function decodeContents(name: string, datatype: Datatype, count: number, contents: InferTensorContents__Output): TensorData {
  try {
    return decodeContentsAs(name, datatype, count, contents);
  } catch (error) {
    throw asServiceError(error);
  }
}

/** {@link encodeContentsAs}, whose refusals are INVALID_ARGUMENT. */
export function encodeContents(datatype: Datatype, data: TensorData): InferTensorContents {
  try {
    return encodeContentsAs(datatype, data);
  } catch (error) {
    throw asServiceError(error);
  }
}
