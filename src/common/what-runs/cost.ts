/** GitHub's per-minute multipliers of hosted runners by OS: Linux 1, Windows 2, macOS 10. */
export function minuteMultiplier(runsOn: unknown): number {
  const label = JSON.stringify(runsOn ?? '').toLowerCase();
  if (label.includes('macos')) return 10;
  if (label.includes('windows')) return 2;
  return 1;
}

/** The cost class of a runner, for reviewers: `macOS, 10× minutes`. */
export function costClass(runsOn: unknown): string {
  const m = minuteMultiplier(runsOn);
  return m === 10 ? 'macOS, 10× minutes' : m === 2 ? 'Windows, 2× minutes' : 'Linux, 1×';
}
