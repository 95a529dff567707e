/** Who runs the CLI, for the registry's records: user@host. */
import { hostname, userInfo } from 'node:os';

export function currentActor(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // Containers may run as a uid without a passwd entry.
  }
  return `${user}@${hostname()}`;
}
