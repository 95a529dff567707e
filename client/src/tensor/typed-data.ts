/** Which array a datatype's data decodes to, so that a typed output needs no cast. */
import type { Datatype } from './datatypes.js';
import type { HostTensor } from './HostTensor.js';

/** The host array of each datatype: BOOL as 0/1 bytes, FP16 and BF16 as Uint16 bit patterns, BYTES as strings. */
export interface DataOfDatatype {
  BOOL: Uint8Array;
  UINT8: Uint8Array;
  UINT16: Uint16Array;
  UINT32: Uint32Array;
  UINT64: BigUint64Array;
  INT8: Int8Array;
  INT16: Int16Array;
  INT32: Int32Array;
  INT64: BigInt64Array;
  FP16: Uint16Array;
  BF16: Uint16Array;
  FP32: Float32Array;
  FP64: Float64Array;
  BYTES: string[];
}

/** A host tensor whose data has its datatype's array type. */
export interface TypedHostTensor<D extends Datatype> extends HostTensor {
  datatype: D;
  data: DataOfDatatype[D];
}
