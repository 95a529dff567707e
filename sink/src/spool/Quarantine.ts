/**
 * Where damaged spool bytes go instead of away: `<spool>/quarantine/`. Each damaged range of
 * a segment is copied to `<segment>.<offset>.damaged` (fsynced) before anything reads past
 * it, and a segment with damage is moved here whole when delivery has passed it, never
 * deleted: an operator decides what becomes of it.
 */
import { mkdir, open, readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { DATA_DIR_MODE, DATA_FILE_MODE, type Logger } from '@infermesh/common';
import { fsyncDir } from './fsync-dir.js';

/** One damaged range of a segment. */
export interface Damage {
  segmentFile: string;
  /** Offset of the first damaged byte in the segment. */
  offset: number;
  bytes: Buffer;
  /** Sequence of the last good entry before the damage (the segment's base − 1 when none). */
  after: number;
  /** Sequence of the first good entry after it, when known. */
  before?: number;
  /** Why the range is set aside. */
  reason: 'damaged' | 'torn tail';
}

export class Quarantine {
  readonly dir: string;
  /** Names of segments with damage. */
  private readonly damagedSegments = new Set<string>();
  /** Ranges already set aside, so that several readers meeting one damage keep one copy. */
  private readonly kept = new Set<string>();
  /** Damaged ranges found since the sink started. */
  damagedRanges = 0;

  private constructor(
    spoolDir: string,
    private readonly logger: Logger,
  ) {
    this.dir = path.join(spoolDir, 'quarantine');
  }

  /** Opens the quarantine folder and learns which segments earlier runs found damaged. */
  static async open(spoolDir: string, logger: Logger): Promise<Quarantine> {
    const quarantine = new Quarantine(spoolDir, logger);
    await mkdir(quarantine.dir, { recursive: true, mode: DATA_DIR_MODE });
    await fsyncDir(spoolDir);
    for (const name of await readdir(quarantine.dir)) {
      const match = /^(\d{20}\.seg)\.(\d+)\.damaged$/.exec(name);
      if (match?.[2] === undefined || match[1] === undefined) continue;
      quarantine.kept.add(name);
      quarantine.damagedSegments.add(match[1]);
    }
    return quarantine;
  }

  /** True when damage was found in the segment (it is moved aside, not deleted). */
  isDamaged(segmentFile: string): boolean {
    return this.damagedSegments.has(path.basename(segmentFile));
  }

  /** Copies a damaged range here durably and logs it with the sequences around it. */
  async keep(damage: Damage): Promise<void> {
    const segment = path.basename(damage.segmentFile);
    const name = `${segment}.${damage.offset}.damaged`;
    if (damage.reason === 'damaged') this.damagedSegments.add(segment);
    if (this.kept.has(name)) return;
    const file = path.join(this.dir, name);
    const handle = await open(file, 'w', DATA_FILE_MODE);
    try {
      await handle.writeFile(damage.bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsyncDir(this.dir);
    this.kept.add(name);
    this.damagedRanges++;
    const entries = damage.before === undefined ? `entries after ${damage.after}` : `entries ${damage.after + 1} to ${damage.before - 1}`;
    this.logger.error(
      { segment: damage.segmentFile, offset: damage.offset, bytes: damage.bytes.byteLength, after: damage.after, before: damage.before, quarantined: file },
      damage.reason === 'torn tail'
        ? `spool segment ends in an unfinished write (${entries}); its bytes are kept in quarantine`
        : `spool segment is damaged (${entries}); those bytes are skipped and kept in quarantine`,
    );
  }

  /** Moves a damaged segment here instead of deleting it. */
  async moveAside(segmentFile: string): Promise<void> {
    const target = path.join(this.dir, path.basename(segmentFile));
    await rename(segmentFile, target);
    await fsyncDir(this.dir);
    await fsyncDir(path.dirname(segmentFile));
    this.logger.warn({ segment: segmentFile, movedTo: target }, 'delivery passed a damaged spool segment; moved it to quarantine for an operator');
  }
}
