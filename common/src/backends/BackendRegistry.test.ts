import { describe, expect, it } from 'vitest';
import { BackendRegistry } from './BackendRegistry.js';

type Config = { type: 'a'; size: number } | { type: 'b'; label: string };

function registry(): BackendRegistry<Config, [prefix: string], string> {
  const backends = new BackendRegistry<Config, [prefix: string], string>('thing');
  backends.register('a', (config, prefix) => `${prefix}a${config.size}`);
  backends.register('b', (config, prefix) => `${prefix}b${config.label}`);
  return backends;
}

describe('BackendRegistry', () => {
  it('creates the backend its config names, with the shared arguments', () => {
    const backends = registry();
    expect(backends.create({ type: 'a', size: 3 }, '>')).toBe('>a3');
    expect(backends.create({ type: 'b', label: 'x' }, '<')).toBe('<bx');
  });

  it('lists the registered names in registration order', () => {
    expect(registry().names()).toEqual(['a', 'b']);
  });

  it('refuses an unknown name, naming it and listing the registered ones', () => {
    const unknown = { type: 'c' } as unknown as Config;
    expect(() => registry().create(unknown, '')).toThrow("unknown thing type 'c'; registered: a, b");
    expect(() => new BackendRegistry<Config, [], string>('thing').create(unknown)).toThrow('registered: none');
  });

  it('refuses a second registration of a name', () => {
    const backends = registry();
    expect(() => backends.register('a', () => 'again')).toThrow("thing type 'a' is already registered");
    expect(backends.create({ type: 'a', size: 1 }, '')).toBe('a1');
  });
});
