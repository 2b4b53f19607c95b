import type { EnvValue } from '../expressions';
import { runStep, type JobStep, type StepOptions } from '../steps';

/** Props of {@link releaseNotesStep}. */
export interface ReleaseNotesProps extends Partial<StepOptions> {
  /** The tag being released, e.g. `${{ github.ref_name }}`. */
  readonly tag: EnvValue;
  /**
   * The fixed start of this kind of tag (`v`, `app-v`): the notes run from the highest earlier tag
   * of the same kind, so a service release never counts from an app tag or the other way round.
   */
  readonly tagPrefix: string;
  /** Where the Markdown is written. */
  readonly out: string;
}

/**
 * Release notes from the pull requests merged since the previous tag of the same kind, through
 * GitHub's generate-notes API (`gh api`, so the job needs `GH_TOKEN` with contents: read and no
 * checkout). Tags of the kind are `<prefix>X.Y.Z`, compared in version order; with no earlier one
 * GitHub counts from the repository's start.
 */
export function releaseNotesStep(p: ReleaseNotesProps): JobStep {
  return runStep({
    name: p.name ?? 'Release notes since the previous tag',
    ...(p.id ? { id: p.id } : {}),
    env: { ...p.env, TAG: p.tag, TAG_PREFIX: p.tagPrefix, NOTES: p.out },
    run: [
      'previous="$(gh api --paginate "repos/$GITHUB_REPOSITORY/git/matching-refs/tags/$TAG_PREFIX" --jq \'.[].ref | ltrimstr("refs/tags/")\' \\',
      '  | awk -v p="$TAG_PREFIX" \'index($0, p) == 1 && substr($0, length(p) + 1) ~ /^[0-9]+\\.[0-9]+\\.[0-9]+$/\' \\',
      '  | sort -V | awk -v tag="$TAG" \'$0 == tag { print last; exit } { last = $0 }\')"',
      'args=(-f tag_name="$TAG")',
      'if [[ -n "$previous" ]]; then args+=(-f previous_tag_name="$previous"); else echo "::notice::no $TAG_PREFIX tag before $TAG: the notes cover the history up to it"; fi',
      'gh api --method POST "repos/$GITHUB_REPOSITORY/releases/generate-notes" "${args[@]}" --jq .body > "$NOTES"',
      'echo "release notes for $TAG since ${previous:-the start}:" && cat "$NOTES"',
    ].join('\n'),
  });
}
