import { readFileSync } from 'node:fs';
import { actionLockEntryFault } from '../../common/action-lock';
import { choices } from '../../common/errors';

/** One pinned action in the lock file. */
export interface ActionPin {
  /** Release tag, `vMAJOR.MINOR.PATCH`. */
  readonly version: string;
  /** Full commit SHA the tag points to. */
  readonly sha: string;
  /**
   * Referenced by tag instead of SHA. Only for reusable workflows that verify their own ref
   * (slsa-github-generator).
   * @default false
   */
  readonly byTag?: boolean;
  /**
   * Jobs of each reusable workflow of the repository that this repository's workflows call, by its
   * path, as the workflow file declares them at the pinned release: a caller's run starts them all,
   * so they count toward GitHub's limit of jobs in one run. @default - none called
   */
  readonly workflowJobs?: Readonly<Record<string, number>>;
}

/** A resolved `uses:` reference and the release it stands for. */
export interface ResolvedAction {
  /** `owner/repo[/path]@<sha>`. */
  readonly uses: string;
  /** `vX.Y.Z`, rendered as a trailing comment. */
  readonly version: string;
}

/**
 * The registry of pinned actions, read from the lock file `actions.lock.json`. Actions are
 * named by `owner/repo`; sub-actions (`actions/cache/restore`) share their repository's pin.
 * A step can only name an action that is in the lock, so every `uses:` is a SHA pin.
 */
export class ActionPins {
  /** Reads and validates a lock file. Errors name the file and the entry. */
  public static fromFile(file: string): ActionPins {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: cannot read the action lock file: ${(e as Error).message}`);
    }
    return ActionPins.fromJson(parsed, file);
  }

  /** Validates lock data (`{ actions: { "owner/repo": { version, sha } } }`). */
  public static fromJson(data: unknown, source = 'action lock'): ActionPins {
    const actions = (data as { actions?: unknown } | null)?.actions;
    if (typeof actions !== 'object' || actions === null) throw new Error(`${source}: missing "actions" object`);
    const pins = new Map<string, ActionPin>();
    for (const [repo, raw] of Object.entries(actions as Record<string, unknown>)) {
      const pin = raw as Partial<ActionPin>;
      switch (actionLockEntryFault(repo, raw)) {
        case 'key':
          throw new Error(`${source}: actions["${repo}"]: the key must be owner/repo`);
        case 'entry':
          throw new Error(`${source}: actions["${repo}"] must be an object with version and sha`);
        case 'sha':
          throw new Error(
            `${source}: actions["${repo}"].sha must be a full 40-hex commit SHA, got ${JSON.stringify(pin.sha)}`,
          );
        case 'version':
          throw new Error(`${source}: actions["${repo}"].version must be vX.Y.Z, got ${JSON.stringify(pin.version)}`);
        case 'workflowJobs':
          throw new Error(
            `${source}: actions["${repo}"].workflowJobs must map .github/workflows/<file>.yml paths to positive integers, got ${JSON.stringify(pin.workflowJobs)}`,
          );
        default:
          pins.set(repo, {
            sha: pin.sha!,
            version: pin.version!,
            byTag: pin.byTag === true,
            ...(pin.workflowJobs ? { workflowJobs: pin.workflowJobs } : {}),
          });
      }
    }
    return new ActionPins(pins);
  }

  /** `owner/repo` of an action name such as `github/codeql-action/upload-sarif`. */
  public static repositoryOf(action: string): string {
    return action.split('/').slice(0, 2).join('/');
  }

  private readonly bySha: Map<string, string>;

  private constructor(private readonly pins: ReadonlyMap<string, ActionPin>) {
    this.bySha = new Map([...pins.values()].map((p) => [p.sha, p.version]));
  }

  /** Whether the lock has the action's repository. */
  public has(action: string): boolean {
    return this.pins.has(ActionPins.repositoryOf(action));
  }

  /** Resolves an action name to its pinned reference; an unknown action lists the known ones. */
  public resolve(action: string): ResolvedAction {
    const pin = this.pins.get(ActionPins.repositoryOf(action));
    if (!pin) {
      throw new Error(
        `action "${action}" is not in actions.lock.json; pinned actions: ${choices(this.pins.keys())}. Add it with its release tag and the tag's commit SHA.`,
      );
    }
    return { uses: `${action}@${pin.byTag ? pin.version : pin.sha}`, version: pin.version };
  }

  /**
   * The jobs a call of another repository's reusable workflow starts (`owner/repo/.github/workflows/x.yml@ref`),
   * as the lock declares them; undefined when the lock does not.
   */
  public jobsOfWorkflow(uses: string): number | undefined {
    const [name] = uses.split('@');
    const path = name!.split('/').slice(2).join('/');
    return this.pins.get(ActionPins.repositoryOf(name!))?.workflowJobs?.[path];
  }

  /** The release a SHA stands for, for the `# vX.Y.Z` comment. */
  public versionOfSha(sha: string): string | undefined {
    return this.bySha.get(sha);
  }

  /** All pins, for docs and Dependabot. */
  public entries(): [string, ActionPin][] {
    return [...this.pins.entries()];
  }
}
