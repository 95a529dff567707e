/**
 * The folders whose files RegisterVersion may take by path (`registry.artifacts.allowedDirs`).
 * A path is checked as written (after `..` is resolved) and again after every symlink is
 * followed, and the file is opened from its real path without following links, so neither
 * `..` nor a link leads out. Past the first check every failure reads the same, so an
 * answer never tells whether something exists outside the folders.
 */
import { constants, realpathSync } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ServiceError } from '@infermesh/common';

/** A file inside the allowed folders, opened for reading. */
export interface AllowedFile {
  handle: FileHandle;
  sizeBytes: number;
}

const KEY = 'registry.artifacts.allowedDirs';

const isInside = (file: string, dir: string) => {
  const relative = path.relative(dir, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
};

export class AllowedPaths {
  /** Each folder as configured (absolute) and as it really is, links followed. */
  private readonly dirs: readonly { given: string; real: string }[];

  /** `dirs`: absolute folders; one that does not exist allows nothing until it does. */
  constructor(dirs: readonly string[]) {
    this.dirs = dirs.map((dir) => {
      const given = path.resolve(dir);
      let real = given;
      try {
        real = realpathSync(given);
      } catch {
        // Created later: compared as written.
      }
      return { given, real };
    });
  }

  /** Opens `file` (absolute, or relative to the registry's working directory) if the folders allow it. */
  async open(file: string): Promise<AllowedFile> {
    const absolute = path.resolve(file);
    if (!this.dirs.some((dir) => isInside(absolute, dir.given) || isInside(absolute, dir.real))) {
      throw ServiceError.permissionDenied(
        this.dirs.length === 0
          ? `artifact: this registry takes no artifacts by path (${KEY} is empty); upload the file instead (PushVersion, infermesh models push)`
          : `artifact: '${file}' is outside the folders ${KEY} allows; upload the file instead (PushVersion, infermesh models push)`,
      );
    }
    const missing = () => ServiceError.invalidArgument(`artifact: no file at '${file}' within ${KEY} (links may not lead out of them)`);
    const real = await realpath(absolute).catch(() => undefined);
    if (!real || !this.dirs.some((dir) => isInside(real, dir.real))) throw missing();
    const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined);
    if (!handle) throw missing();
    const info = await handle.stat().catch(() => undefined);
    if (!info?.isFile()) {
      await handle.close();
      throw missing();
    }
    return { handle, sizeBytes: info.size };
  }
}
