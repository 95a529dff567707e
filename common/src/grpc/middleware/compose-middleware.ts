/** Composes server middleware, outermost first, into one. */
import type { CallHandler, MethodInfo, ServerMiddleware } from './ServerMiddleware.js';

/** `outer` around `inner`: a call passes `outer` first, and `inner` sees what `outer` added. */
export function composeMiddleware<A1 extends object, A2 extends object, N extends object = object>(
  outer: ServerMiddleware<A1, N>,
  inner: ServerMiddleware<A2, N & A1>,
): ServerMiddleware<A1 & A2, N>;
/** Three middleware, outermost first; each sees what the ones before it added. */
export function composeMiddleware<A1 extends object, A2 extends object, A3 extends object, N extends object = object>(
  first: ServerMiddleware<A1, N>,
  second: ServerMiddleware<A2, N & A1>,
  third: ServerMiddleware<A3, N & A1 & A2>,
): ServerMiddleware<A1 & A2 & A3, N>;
/** Four middleware, outermost first; each sees what the ones before it added. */
export function composeMiddleware<A1 extends object, A2 extends object, A3 extends object, A4 extends object, N extends object = object>(
  first: ServerMiddleware<A1, N>,
  second: ServerMiddleware<A2, N & A1>,
  third: ServerMiddleware<A3, N & A1 & A2>,
  fourth: ServerMiddleware<A4, N & A1 & A2 & A3>,
): ServerMiddleware<A1 & A2 & A3 & A4, N>;
export function composeMiddleware(...list: ServerMiddleware<object, object>[]): ServerMiddleware<object, object> {
  return <Context extends object>(next: CallHandler<Context>, method: MethodInfo): CallHandler<Context> => {
    let handler = next;
    // Wrapped from the innermost out, so the first in the list runs first.
    for (let i = list.length - 1; i >= 0; i--) handler = list[i]!<Context>(handler, method);
    return handler;
  };
}
