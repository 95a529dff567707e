import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AllowedPaths } from './allowed-paths.js';

let root: string;
let allowed: string;
let outside: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'infermesh-allowed-'));
  allowed = path.join(root, 'models');
  outside = path.join(root, 'secret.txt');
  await mkdir(path.join(allowed, 'm', '1'), { recursive: true });
  await writeFile(path.join(allowed, 'm', '1', 'model.onnx'), 'model bytes');
  await writeFile(outside, 'not for callers');
  await symlink(outside, path.join(allowed, 'm', '1', 'escape.onnx'));
  await symlink(path.join(root, 'gone.txt'), path.join(allowed, 'm', '1', 'dangling.onnx'));
  await symlink(path.join(allowed, 'm', '1', 'model.onnx'), path.join(allowed, 'inside.onnx'));
  await symlink(root, path.join(allowed, 'up'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The refusal `paths.open(file)` answers with, as code and message. */
async function refusal(paths: AllowedPaths, file: string) {
  const error = (await paths.open(file).then(
    () => undefined,
    (e: unknown) => e,
  )) as { code?: number; details?: string } | undefined;
  return `${error?.code}: ${error?.details}`;
}

describe('AllowedPaths', () => {
  it('opens files under an allowed folder, through links that stay inside', async () => {
    const paths = new AllowedPaths([allowed]);
    for (const file of [path.join(allowed, 'm', '1', 'model.onnx'), path.join(allowed, 'inside.onnx'), path.join(allowed, 'm', '..', 'm', '1', 'model.onnx')]) {
      const { handle, sizeBytes } = await paths.open(file);
      expect(sizeBytes).toBe(11);
      expect(await readFile(handle, 'utf8')).toBe('model bytes');
      await handle.close();
    }
  });

  it('refuses a path outside the folders, and `..` out of them, with PERMISSION_DENIED naming the key', async () => {
    const paths = new AllowedPaths([allowed]);
    const refused = (file: string) =>
      `7: artifact: '${file}' is outside the folders registry.artifacts.allowedDirs allows; upload the file instead (PushVersion, infermesh models push)`;
    expect(await refusal(paths, outside)).toBe(refused(outside));
    const traversal = `${allowed}/m/../../secret.txt`;
    expect(await refusal(paths, traversal)).toBe(refused(traversal));
    // A file that does not exist outside reads the same as one that does.
    expect(await refusal(paths, path.join(root, 'gone.txt'))).toBe(refused(path.join(root, 'gone.txt')));
    expect(await refusal(new AllowedPaths([]), path.join(allowed, 'm', '1', 'model.onnx'))).toBe(
      '7: artifact: this registry takes no artifacts by path (registry.artifacts.allowedDirs is empty); upload the file instead (PushVersion, infermesh models push)',
    );
  });

  it('refuses links that lead out exactly as a missing file, so nothing outside is revealed', async () => {
    const paths = new AllowedPaths([allowed]);
    const missing = (file: string) => `3: artifact: no file at '${file}' within registry.artifacts.allowedDirs (links may not lead out of them)`;
    for (const file of [
      path.join(allowed, 'm', '1', 'escape.onnx'),
      path.join(allowed, 'm', '1', 'dangling.onnx'),
      path.join(allowed, 'up', 'secret.txt'),
      path.join(allowed, 'm', '1', 'nothing.onnx'),
      path.join(allowed, 'm'),
    ]) {
      expect(await refusal(paths, file)).toBe(missing(file));
    }
  });
});
