import * as YAML from 'yaml';

/** Options of {@link toYaml}. */
export interface ToYamlOptions {
  /**
   * Gives the release a pinned SHA stands for; it is written as a trailing `# vX.Y.Z`
   * comment after `uses:` so reviewers see versions while the pin stays a SHA.
   * @default - no comments
   */
  readonly versionOfSha?: (sha: string) => string | undefined;
}

/** Drops undefined values (and empty `with`/`env` left behind by them) so YAML stays tidy. */
export function prune<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Renders data as YAML: 2-space indent, no line folding, block literals for scripts. */
export function toYaml(data: unknown, options: ToYamlOptions = {}): string {
  const doc = new YAML.Document(prune(data));
  if (options.versionOfSha) {
    const versionOf = options.versionOfSha;
    YAML.visit(doc, {
      Pair(_, pair) {
        if (!YAML.isScalar(pair.key) || pair.key.value !== 'uses' || !YAML.isScalar(pair.value)) return;
        const match = /@([0-9a-f]{40})$/.exec(String(pair.value.value));
        const version = match ? versionOf(match[1]!) : undefined;
        if (version) pair.value.comment = ` ${version}`;
      },
    });
  }
  return doc.toString({ indent: 2, lineWidth: 0 });
}
