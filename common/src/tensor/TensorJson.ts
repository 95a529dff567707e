/** One tensor of a prediction record as JSON: what the sink writes and `infermesh replay` reads back. */

/** One tensor in a record document. */
export interface TensorJson {
  name: string;
  datatype: string;
  shape: number[];
  /**
   * Row-major elements: numbers; booleans for BOOL; decimal strings for INT64 and UINT64
   * (as protobuf's JSON mapping does, since JSON numbers lose precision past 2^53);
   * UTF-8 strings for BYTES; FP16 and BF16 widened to numbers. NaN and ±Infinity become null.
   */
  data?: unknown[];
  /** Why `data` is missing (bytes that do not match the shape and datatype). */
  error?: string;
}
