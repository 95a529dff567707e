/** The Open Inference Protocol datatypes and how each travels on the wire and in ORT. */

/** Every datatype of the Open Inference Protocol. */
export const DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'BF16',
  'FP32',
  'FP64',
  'BYTES',
] as const;

/** An Open Inference Protocol datatype name. */
export type Datatype = (typeof DATATYPES)[number];

/** The typed `InferTensorContents` field a datatype travels in, when it has one. */
export type ContentsField =
  | 'bool_contents'
  | 'int_contents'
  | 'int64_contents'
  | 'uint_contents'
  | 'uint64_contents'
  | 'fp32_contents'
  | 'fp64_contents'
  | 'bytes_contents';

/** onnxruntime-node's name for a tensor element type. */
export type OrtElementType =
  | 'bool'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float16'
  | 'float32'
  | 'float64'
  | 'string';

/** How one datatype is laid out. */
export interface DatatypeInfo {
  readonly name: Datatype;
  /** Bytes per element in raw form; 0 for BYTES, whose elements are length-prefixed. */
  readonly byteSize: number;
  /** The typed contents field, or null where the protocol allows raw form only (FP16, BF16). */
  readonly contentsField: ContentsField | null;
  /** onnxruntime-node's type, or null where onnxruntime-node cannot hold it (BF16). */
  readonly ortType: OrtElementType | null;
  /** Inclusive value range checked for typed contents narrower than their field. */
  readonly range?: readonly [number, number];
}

const info = (
  name: Datatype,
  byteSize: number,
  contentsField: ContentsField | null,
  ortType: OrtElementType | null,
  range?: readonly [number, number],
): DatatypeInfo => (range ? { name, byteSize, contentsField, ortType, range } : { name, byteSize, contentsField, ortType });

const TABLE: Record<Datatype, DatatypeInfo> = {
  BOOL: info('BOOL', 1, 'bool_contents', 'bool'),
  UINT8: info('UINT8', 1, 'uint_contents', 'uint8', [0, 0xff]),
  UINT16: info('UINT16', 2, 'uint_contents', 'uint16', [0, 0xffff]),
  UINT32: info('UINT32', 4, 'uint_contents', 'uint32'),
  UINT64: info('UINT64', 8, 'uint64_contents', 'uint64'),
  INT8: info('INT8', 1, 'int_contents', 'int8', [-0x80, 0x7f]),
  INT16: info('INT16', 2, 'int_contents', 'int16', [-0x8000, 0x7fff]),
  INT32: info('INT32', 4, 'int_contents', 'int32'),
  INT64: info('INT64', 8, 'int64_contents', 'int64'),
  FP16: info('FP16', 2, null, 'float16'),
  BF16: info('BF16', 2, null, null),
  FP32: info('FP32', 4, 'fp32_contents', 'float32'),
  FP64: info('FP64', 8, 'fp64_contents', 'float64'),
  BYTES: info('BYTES', 0, 'bytes_contents', 'string'),
};

const BY_ORT_TYPE = new Map<string, Datatype>([
  ...Object.values(TABLE).flatMap((entry) => (entry.ortType ? [[entry.ortType, entry.name] as const] : [])),
  // onnxruntime names BF16 in a model's metadata, though onnxruntime-node cannot hold it.
  ['bfloat16', 'BF16'],
]);

/**
 * The datatype's name in Triton's model config (`DataType` in model_config.proto):
 * TYPE_<name>, except BYTES, which the config calls TYPE_STRING.
 */
export function configDatatype(datatype: Datatype): string {
  return datatype === 'BYTES' ? 'TYPE_STRING' : `TYPE_${datatype}`;
}

/** Every datatype's name in Triton's model config. */
export const CONFIG_DATATYPES: readonly string[] = Object.keys(TABLE).map((name) => configDatatype(name as Datatype));

/** The protocol datatype of a Triton model config name, or undefined if it is none. */
export function datatypeFromConfig(configType: string): Datatype | undefined {
  if (configType === 'TYPE_STRING') return 'BYTES';
  const name = configType.startsWith('TYPE_') ? configType.slice('TYPE_'.length) : '';
  return name !== 'BYTES' && isDatatype(name) ? name : undefined;
}

/** True when `name` is an Open Inference Protocol datatype. */
export function isDatatype(name: string): name is Datatype {
  return Object.hasOwn(TABLE, name);
}

/** Layout facts of a datatype. */
export function datatypeInfo(datatype: Datatype): DatatypeInfo {
  return TABLE[datatype];
}

/** The protocol datatype for an onnxruntime element type (or metadata type name), or undefined if it has none. */
export function datatypeFromOrt(ortType: string): Datatype | undefined {
  return BY_ORT_TYPE.get(ortType);
}
