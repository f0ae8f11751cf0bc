/**
 * Outputs that appear all together: each file is first written and fsync-ed under a temp name
 * beside its target (`stage`); `publish` then removes the previous manifest and renames every
 * file into place, the manifest last, in one synchronous stretch that no signal handler can
 * interrupt. A failure while staging (disk full, a signal, a bad plot) discards the temp files
 * and leaves the previous outputs, manifest included, exactly as they were; a rerun repairs.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { discardStagedSync, fileError, publishStagedSync, stageFileSync } from '@gradlab/core';
import type { ManifestOutput } from '../io/manifest.js';
import { fileSum } from './cell-checksum.js';

/** Files staged for one results folder. */
export class StagedOutputs {
  private readonly staged: { tmp: string; path: string }[] = [];

  constructor(
    /** The results folder. */
    readonly dir: string,
  ) {}

  /**
   * Writes `data` under a temp name for `file` (relative to the folder).
   * @returns its manifest entry (size and sha256 of exactly these bytes)
   * @throws GradlabError `E_IO` naming the file and the cause
   */
  stage(file: string, data: string | Uint8Array): ManifestOutput {
    const path = join(this.dir, file);
    this.staged.push({ tmp: stageFileSync(path, data), path });
    return fileSum(file, data);
  }

  /** Removes every staged temp file (never throws). */
  discard(): void {
    for (const s of this.staged.splice(0)) discardStagedSync(s.tmp);
  }

  /**
   * Renames the staged files into place: the old manifest goes first, so no manifest ever
   * vouches for a mix, and `manifest` (staged last) is renamed last.
   * @throws GradlabError `E_IO` naming the file when a rename fails (the rest are discarded)
   */
  publish(manifest: string): void {
    try {
      rmSync(join(this.dir, manifest), { force: true });
    } catch (err) {
      this.discard();
      throw fileError('replace', join(this.dir, manifest), err);
    }
    try {
      for (const s of this.staged) publishStagedSync(s.tmp, s.path);
      this.staged.length = 0;
    } finally {
      this.discard();
    }
  }
}
