import { describe, expect, it } from 'vitest';
import { composeMiddleware } from './compose-middleware.js';
import type { MethodInfo, ServerCall, ServerMiddleware } from './ServerMiddleware.js';

const method: MethodInfo = { path: '/test.Service/Method', name: 'Method', kind: 'unary' };
const call = {} as ServerCall;

/** A middleware that records when it runs and adds `{ [key]: value }` to the context. */
function adding<Key extends string>(key: Key, value: number, log: string[]): ServerMiddleware<Record<Key, number>> {
  return (next, info) => {
    log.push(`wrap ${key} ${info.name}`);
    return async (incoming, context) => {
      log.push(`before ${key}`);
      const result = await next(incoming, Object.assign(context, { [key]: value } as Record<Key, number>));
      log.push(`after ${key}`);
      return result;
    };
  };
}

describe('composeMiddleware', () => {
  it('runs the first middleware outermost, and wraps each method once', async () => {
    const log: string[] = [];
    const handler = composeMiddleware(adding('a', 1, log), adding('b', 2, log), adding('c', 3, log))(async () => {
      log.push('handler');
      return 'done';
    }, method);
    expect(log).toEqual(['wrap c Method', 'wrap b Method', 'wrap a Method']);
    log.length = 0;
    await expect(handler(call, {})).resolves.toBe('done');
    await handler(call, {});
    expect(log.slice(0, 7)).toEqual(['before a', 'before b', 'before c', 'handler', 'after c', 'after b', 'after a']);
    expect(log).toHaveLength(14);
  });

  it('passes what each middleware adds to the ones inside it and to the handler', async () => {
    const seen: unknown[] = [];
    const needsA: ServerMiddleware<{ sum: number }, { a: number }> = (next) => (incoming, context) => {
      seen.push({ ...context });
      return next(incoming, Object.assign(context, { sum: context.a + 10 }));
    };
    const handler = composeMiddleware(adding('a', 1, []), needsA)(async (_call, context) => context.a + context.sum, method);
    await expect(handler(call, {})).resolves.toBe(12);
    expect(seen).toEqual([{ a: 1 }]);
  });

  it('lets a middleware answer without calling the handler', async () => {
    const refuse: ServerMiddleware = () => async () => {
      throw new Error('refused');
    };
    let called = false;
    const handler = composeMiddleware(adding('a', 1, []), refuse)(async () => {
      called = true;
    }, method);
    await expect(handler(call, {})).rejects.toThrow('refused');
    expect(called).toBe(false);
  });
});
