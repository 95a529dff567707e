/**
 * Backends chosen by name, as grpc-js registers resolvers by scheme: each kind of store,
 * destination or source registers a factory under the `type` its config entries carry.
 */

/** Builds the backend of one config entry; `args` are what every backend of the kind gets. */
export type BackendFactory<Config, Args extends unknown[], Backend> = (config: Config, ...args: Args) => Backend;

/** The config entries a backend kind's factory is called with: those whose `type` is `name`. */
type ConfigOf<Config extends { type: string }, Name extends Config['type']> = Extract<Config, { type: Name }>;

/**
 * Factories by name for one kind of backend. Config is the union of the validated entries,
 * discriminated by `type`; a factory registered for a name gets that name's entries only.
 */
export class BackendRegistry<Config extends { type: string }, Args extends unknown[], Backend> {
  readonly #factories = new Map<string, BackendFactory<Config, Args, Backend>>();

  /** @param kind what the backends are, for error messages (`destination`, `store`). */
  constructor(readonly kind: string) {}

  /** Registers the factory of `name`; a name is registered once, a second time throws. */
  register<Name extends Config['type']>(name: Name, factory: BackendFactory<ConfigOf<Config, Name>, Args, Backend>): void {
    if (this.#factories.has(name)) throw new Error(`${this.kind} type '${name}' is already registered`);
    // Sound: create() calls it only with entries whose type is `name`.
    this.#factories.set(name, factory as BackendFactory<Config, Args, Backend>);
  }

  /** The backend of `config`; an unregistered `type` throws, naming it and the registered ones. */
  create(config: Config, ...args: Args): Backend {
    const factory = this.#factories.get(config.type);
    if (!factory) {
      throw new Error(`unknown ${this.kind} type '${config.type}'; registered: ${this.names().join(', ') || 'none'}`);
    }
    return factory(config, ...args);
  }

  /** The registered names, in registration order. */
  names(): string[] {
    return [...this.#factories.keys()];
  }
}
