import { Construct } from 'constructs';
import { isGeneratedFile, type RenderedFile } from './generated-file';
import { FindingsError, ValidationError, type Finding } from '../../common/errors';
import { runPolicy, type PolicyRule } from '../policy/policy';
import type { ActionPins } from '../pins/action-pins';

/** Props of {@link PipelineApp}. */
export interface PipelineAppProps {
  /** The action lock every `uses:` resolves through. */
  readonly pins: ActionPins;
  /**
   * Policy rules run over every rendered file before anything is written.
   * @default - no rules (tests); the project passes `defaultRules()`
   */
  readonly rules?: readonly PolicyRule[];
}

/**
 * The root of the construct tree. `synth()` validates the tree, renders every generated file
 * and runs the policy over all of them; it returns the files only when there is no finding,
 * so a bad definition never leaves a partly written output.
 */
export class PipelineApp extends Construct {
  /** The app a construct belongs to. */
  public static of(scope: Construct): PipelineApp {
    const root = scope.node.root;
    if (!(root instanceof PipelineApp)) throw new ValidationError(scope, 'must be created inside a PipelineApp');
    return root;
  }

  public readonly pins: ActionPins;
  private readonly rules: readonly PolicyRule[];

  constructor(props: PipelineAppProps) {
    super(undefined as unknown as Construct, '');
    this.pins = props.pins;
    this.rules = props.rules ?? [];
  }

  /** Validates, renders and checks everything; throws a {@link FindingsError} listing all problems. */
  public synth(): RenderedFile[] {
    const findings: Finding[] = [];
    for (const construct of this.node.findAll()) {
      for (const message of construct.node.validate()) findings.push({ location: construct.node.path || '<root>', message });
    }
    const files: RenderedFile[] = [];
    if (findings.length === 0) {
      for (const construct of this.node.findAll()) {
        if (!isGeneratedFile(construct)) continue;
        try {
          files.push(construct.render());
        } catch (e) {
          if (!(e instanceof ValidationError)) throw e;
          findings.push({ location: e.constructPath, message: e.message.replace(/^\[[^\]]*\] /, '') });
        }
      }
    }
    const owners = new Map<string, string>();
    for (const file of files) {
      const other = owners.get(file.filePath);
      if (other) findings.push({ location: file.constructPath, message: `writes ${file.filePath}, which ${other} writes too` });
      owners.set(file.filePath, file.constructPath);
    }
    findings.push(...runPolicy(files.flatMap((f) => (f.policyTarget ? [f.policyTarget] : [])), this.rules));
    if (findings.length > 0) throw new FindingsError('Synthesis failed; no file was written', findings);
    return files.sort((a, b) => a.filePath.localeCompare(b.filePath));
  }
}
