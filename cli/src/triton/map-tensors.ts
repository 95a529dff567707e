/**
 * Triton's `input` and `output` entries as what the ONNX file must have. infermesh takes a
 * version's signature from the file itself, so these are checked after registering, never
 * stored; the fields that change how a tensor is fed or read are listed.
 */
import { CONFIG_DATATYPES, datatypeFromConfig } from '@infermesh/common';
import { ImportRefusal, type ImportNotes } from './import-notes.js';
import type { MessageReader } from './message-reader.js';
import { ignoreField, listUnread } from './unsupported-fields.js';

/** A tensor as config.pbtxt describes it. */
export interface ExpectedTensor {
  name: string;
  /** Open Inference Protocol datatype: FP32, BYTES, ... */
  datatype: string;
  /** Without the batch dimension when max_batch_size > 0; -1 = any size. */
  dims: number[];
  /** The shape config.pbtxt reshapes it to, which infermesh does not do. */
  reshape?: number[];
}

const DATA_TYPES = ['TYPE_INVALID', ...CONFIG_DATATYPES];

/** Flags that change behaviour only when true. */
const FLAGS = ['is_shape_tensor', 'allow_ragged_batch', 'optional', 'is_non_linear_format_io'];

function readTensor(tensor: MessageReader, notes: ImportNotes): ExpectedTensor {
  const name = tensor.string('name');
  if (!name) throw new ImportRefusal('failed', `${tensor.path}: has no name`);
  const type = tensor.enumValue('data_type', DATA_TYPES);
  // TYPE_INVALID, like no type at all, names no datatype.
  const datatype = type === undefined ? undefined : datatypeFromConfig(type);
  if (datatype === undefined) throw new ImportRefusal('failed', `${tensor.pathOf('data_type')}: a datatype is required`);
  const dims = tensor.integers('dims');
  if (dims.some((dim) => dim < -1)) throw new ImportRefusal('failed', `${tensor.pathOf('dims')}: [${dims.join(', ')}] has a dimension below -1`);
  const expected: ExpectedTensor = { name, datatype, dims };

  const reshape = tensor.message('reshape');
  if (reshape) {
    expected.reshape = reshape.integers('shape');
    listUnread(reshape, notes);
    ignoreField(tensor, 'reshape', notes);
  }
  const format = tensor.has('format') ? tensor.enumValue('format', ['FORMAT_NONE', 'FORMAT_NHWC', 'FORMAT_NCHW']) : undefined;
  if (format !== undefined && format !== 'FORMAT_NONE') ignoreField(tensor, 'format', notes);
  if (tensor.string('label_filename')) ignoreField(tensor, 'label_filename', notes);
  for (const flag of FLAGS) if (tensor.boolean(flag)) ignoreField(tensor, flag, notes);
  listUnread(tensor, notes);
  return expected;
}

/** The tensors of `input` or `output`; a name given twice fails the model. */
export function readTensors(readers: MessageReader[], notes: ImportNotes): ExpectedTensor[] {
  const tensors = readers.map((reader) => readTensor(reader, notes));
  const names = new Set<string>();
  for (const [index, tensor] of tensors.entries()) {
    if (names.has(tensor.name)) throw new ImportRefusal('failed', `${readers[index]!.path}: the name '${tensor.name}' is given twice`);
    names.add(tensor.name);
  }
  return tensors;
}
