import { Construct } from 'constructs';
import { isGeneratedFile, type RenderedFile } from './generated-file';
import { FindingsError, ValidationError, type Finding } from '../../common/errors';
import type { ActionPins } from '../pins/action-pins';
import { runPolicy, type PolicyRule } from '../policy/policy';

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
  /** Renders computed during the current {@link check}, by construct and kind; undefined outside one. */
  private renders?: Map<object, Map<string, unknown>>;

  constructor(props: PipelineAppProps) {
    super(undefined as unknown as Construct, '');
    this.pins = props.pins;
    this.rules = props.rules ?? [];
  }

  /** Validates, renders and checks everything; throws a {@link FindingsError} listing all problems. */
  public synth(): RenderedFile[] {
    const { files, findings } = this.check();
    if (findings.length > 0) throw new FindingsError('Synthesis failed; no file was written', findings);
    return files;
  }

  /**
   * Validates, renders and checks everything, and returns the files rendered with every problem
   * found, without throwing: for reports (the scale bench) that look at output the policy refuses.
   */
  public check(): { readonly files: RenderedFile[]; readonly findings: Finding[] } {
    this.renders = new Map();
    try {
      return this.checkTree();
    } finally {
      this.renders = undefined;
    }
  }

  /**
   * A construct's render, computed once per {@link check}: while it runs the tree no longer changes,
   * and a workflow is read by its own file, by every caller (the policy follows calls) and by the docs.
   * Outside a check it is computed each time.
   */
  public renderOnce<T>(construct: object, kind: string, compute: () => T): T {
    if (!this.renders) return compute();
    let byKind = this.renders.get(construct);
    if (!byKind) this.renders.set(construct, (byKind = new Map()));
    if (!byKind.has(kind)) byKind.set(kind, compute());
    return byKind.get(kind) as T;
  }

  private checkTree(): { readonly files: RenderedFile[]; readonly findings: Finding[] } {
    const findings: Finding[] = [];
    for (const construct of this.node.findAll()) {
      for (const message of construct.node.validate()) {
        findings.push({ location: construct.node.path || '<root>', message });
      }
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
      if (other) {
        findings.push({ location: file.constructPath, message: `writes ${file.filePath}, which ${other} writes too` });
      }
      owners.set(file.filePath, file.constructPath);
    }
    findings.push(
      ...runPolicy(
        files.flatMap((f) => (f.policyTarget ? [f.policyTarget] : [])),
        this.rules,
      ),
    );
    return { files: files.sort((a, b) => a.filePath.localeCompare(b.filePath)), findings };
  }
}
