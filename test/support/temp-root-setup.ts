import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * Gives the whole test run a temporary root of its own (jest's globalSetup, before the workers
 * start, so they and every tool they spawn inherit TMPDIR); temp-root-teardown removes it. What a
 * test creates under the temporary directory never outlives the run, whether or not the test
 * cleans up (many did not: a run left about 400 folders in /tmp).
 */
export default function setup(): void {
  const base = tmpdir();
  process.env.VOICE_TEST_TMPDIR_BASE = base;
  process.env.TMPDIR = mkdtempSync(path.join(base, 'voice-test-'));
}
