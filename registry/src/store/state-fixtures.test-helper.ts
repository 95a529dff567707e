/** Registry states of a chosen size for store tests, each telling which save it was. */
import { emptyState, type RegistryState } from '../state/registry-state.js';
import type { StoredState } from './RegistryStore.js';

/** A runner entry named `name`. */
export const runnerEntry = (name: string, note = ''): RegistryState['runners'][string] => ({
  name,
  address: '127.0.0.1:1',
  device: 'cpu',
  memoryBytes: 0,
  version: note,
  registeredAtMs: 1,
  versions: [],
});

/** A state of about `bytes` bytes of JSON (at least one runner), its runners named `<tag>-<n>`. */
export function stateOf(bytes: number, tag: string): RegistryState {
  const runners: RegistryState['runners'] = {};
  const note = 'x'.repeat(1_000);
  for (let i = 0; i * 1_100 < bytes; i++) runners[`${tag}-${i}`] = runnerEntry(`${tag}-${i}`, `${note}é`);
  return { ...emptyState(), runners };
}

/** The tag of a state made by {@link stateOf}. */
export const tagOf = (stored: StoredState): string => Object.keys(stored.state.runners)[0]!.replace(/-0$/, '');
