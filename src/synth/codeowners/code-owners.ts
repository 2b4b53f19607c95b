import { Construct } from 'constructs';
import { ValidationError } from '../../common/errors';
import { markGeneratedFile, type IGeneratedFile, type RenderedFile } from '../output/generated-file';

/** One CODEOWNERS rule. */
export interface CodeOwnersRule {
  /** A CODEOWNERS pattern, e.g. `/services/tts/`. */
  readonly pattern: string;
  /** `@user` or `@org/team`. */
  readonly owners: readonly string[];
}

/**
 * `.github/CODEOWNERS`: who reviews what. GitHub requests these reviewers on every pull
 * request, Dependabot's included. Later rules win, so rules are written in the order added.
 */
export class CodeOwners extends Construct implements IGeneratedFile {
  public readonly filePath = '.github/CODEOWNERS';
  private readonly rules: CodeOwnersRule[] = [];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    markGeneratedFile(this);
  }

  public addRule(rule: CodeOwnersRule): void {
    if (rule.owners.length === 0) throw new ValidationError(this, `rule "${rule.pattern}" needs at least one owner`);
    if (/\s/.test(rule.pattern)) throw new ValidationError(this, `pattern "${rule.pattern}" must not contain spaces`);
    this.rules.push(rule);
  }

  public render(): RenderedFile {
    const width = Math.max(...this.rules.map((r) => r.pattern.length));
    const lines = this.rules.map((r) => `${r.pattern.padEnd(width)} ${r.owners.join(' ')}`);
    return {
      filePath: this.filePath,
      format: 'text',
      text: `${lines.join('\n')}\n`,
      reviewed: true,
      constructPath: this.node.path,
    };
  }
}
