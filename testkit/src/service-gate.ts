/**
 * The one gate for tests that need something from outside npm (a local server, a Debian
 * package). Missing: the test is skipped with a message saying what to install or start,
 * unless INFERMESH_REQUIRE_SERVICES=1 (set by .ci/run), in which case it fails.
 */
import { servicesRequired } from '@infermesh/common';

/**
 * Skips or fails for `message` (what is missing and how to get it): throws when
 * INFERMESH_REQUIRE_SERVICES=1, otherwise prints `SKIPPED: …` and returns false.
 */
export function skipOrFail(message: string): false {
  if (servicesRequired()) throw new Error(`${message} (INFERMESH_REQUIRE_SERVICES=1, so this fails instead of skipping)`);
  process.stderr.write(`SKIPPED: ${message}\n`);
  return false;
}

/** Returns true when the tests may run; false (after saying why) when they must skip. */
export function serviceAvailable(what: string, available: boolean, howToInstall: string): boolean {
  if (available) return true;
  return skipOrFail(`${what} is not available: ${howToInstall}`);
}
