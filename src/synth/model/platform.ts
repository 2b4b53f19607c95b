import type { AppDefinition, PerformanceDefinition, PlatformDefinition, ResourceDefinition, ServiceDefinition } from './platform-definition';
import { validatePlatform } from './validate-platform';
import { choices, FindingsError } from '../../common/errors';

/** A service of the validated platform, with defaults resolved. */
export interface Service {
  readonly name: string;
  readonly path: string;
  readonly port: number;
  readonly healthPath: string;
  readonly synthesisPath?: string;
  readonly pythonVersion: string;
  /** Full image repository, e.g. `ghcr.io/voice-platform/tts`. */
  readonly imageRepository: string;
  readonly resources: ResourceDefinition;
  /** Names of the services this one calls. */
  readonly calls: readonly string[];
  /** Plain settings (ConfigMap). */
  readonly settings: Readonly<Record<string, string>>;
  /** The nightly load test, if any. */
  readonly performance?: PerformanceDefinition;
}

/**
 * The validated platform model. Construct it with {@link Platform.fromDefinition}: every
 * field is checked once, and all problems are reported together, each naming its field.
 */
export class Platform {
  /**
   * Validates a definition. Throws a {@link FindingsError} that lists every invalid field.
   */
  public static fromDefinition(definition: PlatformDefinition): Platform {
    const findings = validatePlatform(definition);
    if (findings.length > 0) throw new FindingsError('Invalid platform definition', findings);
    return new Platform(definition);
  }

  public readonly definition: PlatformDefinition;
  public readonly services: readonly Service[];

  private constructor(definition: PlatformDefinition) {
    this.definition = definition;
    this.services = definition.services.map((s) => this.resolveService(s));
  }

  public get repository(): string {
    return this.definition.repository;
  }

  public get defaultBranch(): string {
    return this.definition.defaultBranch;
  }

  public get app(): AppDefinition {
    return this.definition.app;
  }

  public get runners() {
    return this.definition.runners;
  }

  public get toolchain() {
    return this.definition.toolchain;
  }

  /** Looks a service up by name; an unknown name lists the known ones. */
  public service(name: string): Service {
    const found = this.services.find((s) => s.name === name);
    if (!found) throw new Error(`Unknown service "${name}"; the platform defines: ${choices(this.services.map((s) => s.name))}`);
    return found;
  }

  private resolveService(s: ServiceDefinition): Service {
    const { host, namespace } = this.definition.registry;
    return {
      name: s.name,
      path: s.path,
      port: s.port,
      healthPath: s.healthPath,
      synthesisPath: s.synthesisPath,
      pythonVersion: s.pythonVersion ?? this.definition.toolchain.python,
      imageRepository: `${host}/${namespace}/${s.imageName ?? s.name}`,
      resources: s.resources,
      calls: s.calls ?? [],
      performance: s.performance,
      settings: s.settings ?? {},
    };
  }
}
