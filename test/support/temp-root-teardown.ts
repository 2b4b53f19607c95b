import { rmSync } from 'node:fs';

/** Removes the run's temporary root (see temp-root-setup); KEEP_JOB_WORLDS=1 keeps it for a look. */
export default function teardown(): void {
  const root = process.env.TMPDIR;
  const base = process.env.VOICE_TEST_TMPDIR_BASE;
  if (!root || !base || root === base) return;
  process.env.TMPDIR = base;
  if (process.env.KEEP_JOB_WORLDS === '1') process.stderr.write(`\ntemporary files kept in ${root}\n`);
  else rmSync(root, { recursive: true, force: true });
}
