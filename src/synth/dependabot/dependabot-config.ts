import { Construct } from 'constructs';
import { ValidationError } from '../../common/errors';
import { cooldownProblem, timeOfDayProblem, type Weekday } from '../model/limits';
import { markGeneratedFile, type IGeneratedFile, type RenderedFile } from '../output/generated-file';
import { toYaml } from '../output/yaml';

export type { Weekday } from '../model/limits';

/** Ecosystems Dependabot supports that this kit emits. */
export type DependabotEcosystem = 'github-actions' | 'pip' | 'uv' | 'docker' | 'swift' | 'npm' | 'helm';

/** A group of updates raised as one pull request. */
export interface DependabotGroup {
  /** @default ['*'] */
  readonly patterns?: readonly string[];
  /** @default - every update type */
  readonly updateTypes?: readonly ('major' | 'minor' | 'patch')[];
  /** @default - both */
  readonly dependencyType?: 'development' | 'production';
}

/** Options of {@link DependabotConfig.addUpdate}. */
export interface DependabotUpdateOptions {
  readonly ecosystem: DependabotEcosystem;
  /** Folders from the repository root, each starting with `/`. */
  readonly directories: readonly string[];
  /**
   * Groups; each becomes one pull request.
   * @default - one group for minor and patch updates; majors come one by one
   */
  readonly groups?: Readonly<Record<string, DependabotGroup>>;
  /** @default - the config's default labels */
  readonly labels?: readonly string[];
  /** @default 5 */
  readonly openPullRequestsLimit?: number;
  /** Commit message prefix, e.g. `deps(ci)`. @default 'deps' */
  readonly commitPrefix?: string;
  /**
   * How manifests change: `lockfile-only` leaves them alone (for a manifest another tool writes).
   * @default - Dependabot's default for the ecosystem
   */
  readonly versioningStrategy?: 'auto' | 'increase' | 'increase-if-necessary' | 'lockfile-only' | 'widen';
}

/** Props of {@link DependabotConfig}. */
export interface DependabotConfigProps {
  /** Weekly run day. */
  readonly day: Weekday;
  /** `hh:mm`, UTC. */
  readonly time: string;
  /** Days a release must age before it is proposed (`COOLDOWN_DAYS`). Applies to every entry. */
  readonly cooldownDays: number;
  /** @default ['dependencies'] */
  readonly labels?: readonly string[];
}

/**
 * `.github/dependabot.yml`: weekly, grouped, with a cooldown on every entry. Reviewers come
 * from CODEOWNERS (Dependabot's own `reviewers` key has been retired by GitHub).
 */
export class DependabotConfig extends Construct implements IGeneratedFile {
  public readonly filePath = '.github/dependabot.yml';
  private readonly props: DependabotConfigProps;
  private readonly updates: DependabotUpdateOptions[] = [];

  constructor(scope: Construct, id: string, props: DependabotConfigProps) {
    super(scope, id);
    const problems = [
      ['cooldownDays', cooldownProblem(props.cooldownDays)],
      ['time', timeOfDayProblem(props.time)],
    ].filter(([, p]) => p);
    if (problems.length > 0) throw new ValidationError(this, problems.map(([field, p]) => `${field} ${p}`).join('; '));
    this.props = props;
    markGeneratedFile(this);
  }

  /** Adds an ecosystem; one entry per ecosystem, covering all its directories. */
  public addUpdate(options: DependabotUpdateOptions): void {
    if (this.updates.some((u) => u.ecosystem === options.ecosystem)) {
      throw new ValidationError(
        this,
        `ecosystem "${options.ecosystem}" already has an entry; list every directory in one addUpdate()`,
      );
    }
    if (options.directories.length === 0) {
      throw new ValidationError(this, `${options.ecosystem}: directories must not be empty`);
    }
    for (const dir of options.directories) {
      if (!dir.startsWith('/') || dir.includes('..')) {
        throw new ValidationError(
          this,
          `${options.ecosystem}: directory "${dir}" must start with / (the repository root)`,
        );
      }
    }
    this.updates.push(options);
  }

  public render(): RenderedFile {
    const data = {
      version: 2,
      updates: this.updates.map((u) => ({
        'package-ecosystem': u.ecosystem,
        directories: [...u.directories].sort(),
        schedule: { interval: 'weekly', day: this.props.day, time: this.props.time, timezone: 'Etc/UTC' },
        cooldown: { 'default-days': this.props.cooldownDays },
        groups: renderGroups(u),
        labels: [...(u.labels ?? this.props.labels ?? ['dependencies'])],
        'commit-message': { prefix: u.commitPrefix ?? 'deps' },
        'open-pull-requests-limit': u.openPullRequestsLimit ?? 5,
        'versioning-strategy': u.versioningStrategy,
      })),
    };
    return {
      filePath: this.filePath,
      format: 'yaml',
      text: toYaml(data),
      reviewed: true,
      constructPath: this.node.path,
      policyTarget: { kind: 'dependabot', filePath: this.filePath, constructPath: this.node.path, data },
    };
  }
}

function renderGroups(u: DependabotUpdateOptions): Record<string, unknown> {
  const groups = u.groups ?? {
    [`${u.ecosystem}-minor-and-patch`]: { patterns: ['*'], updateTypes: ['minor', 'patch'] },
  };
  return Object.fromEntries(
    Object.entries(groups).map(([name, g]) => [
      name,
      {
        patterns: [...(g.patterns ?? ['*'])],
        'update-types': g.updateTypes ? [...g.updateTypes] : undefined,
        'dependency-type': g.dependencyType,
      },
    ]),
  );
}
