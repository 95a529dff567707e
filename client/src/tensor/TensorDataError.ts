/**
 * Tensor data that does not match its datatype or shape (a byte count, an element count, a
 * value out of range). A server answers it as INVALID_ARGUMENT with this message.
 */
export class TensorDataError extends Error {
  override readonly name = 'TensorDataError';
}
