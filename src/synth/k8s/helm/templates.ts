import * as YAML from 'yaml';

/**
 * Turning cdk8s manifests into Helm templates. The chart is synthesized with tokens in place of
 * what varies per deploy; each token then becomes a template action. Only the actions below are
 * ever emitted — the subset `renderHelmSubset` renders — so tests can render the templates
 * faithfully without a Helm binary:
 *
 * - `{{ .Values.a.b }}`, `{{ .Release.Name }}`, `{{ .Release.Service }}`, `{{ .Chart.AppVersion }}`
 * - pipes: `| quote`, `| default X`, `| toYaml`, `| nindent N`
 * - `{{ if X }}` / `{{ if not X }}` … `{{ else }}` … `{{ end }}`, with `{{-` / `-}}` whitespace trimming
 */

/** String tokens: put into construct props, replaced in the YAML text. */
export const TOKENS = {
  release: '__HELM_RELEASE__',
  appVersion: '__HELM_APP_VERSION__',
  managedBy: '__HELM_MANAGED_BY__',
  image: '__HELM_IMAGE__',
  pullPolicy: '__HELM_PULL_POLICY__',
  logLevel: '__HELM_LOG_LEVEL__',
  /** A ConfigMap data key standing for all of `.Values.config`. */
  config: '__HELM_CONFIG__',
  /** Set on JSON paths after synthesis (number or block fields). */
  replicas: '__HELM_REPLICAS__',
  resources: '__HELM_RESOURCES__',
  hpaMin: '__HELM_HPA_MIN__',
  hpaMax: '__HELM_HPA_MAX__',
  hpaTarget: '__HELM_HPA_TARGET__',
} as const;

const INLINE: Record<string, string> = {
  [TOKENS.release]: '{{ .Release.Name | quote }}',
  [TOKENS.appVersion]: '{{ .Chart.AppVersion | quote }}',
  [TOKENS.managedBy]: '{{ .Release.Service | quote }}',
  [TOKENS.image]: '"{{ .Values.image.repository }}{{ if .Values.image.digest }}@{{ .Values.image.digest }}{{ else }}:{{ .Values.image.tag | default .Chart.AppVersion }}{{ end }}"',
  [TOKENS.pullPolicy]: '{{ .Values.image.pullPolicy | quote }}',
  [TOKENS.logLevel]: '{{ .Values.logLevel | quote }}',
  [TOKENS.hpaMin]: '{{ .Values.autoscaling.minReplicas }}',
  [TOKENS.hpaMax]: '{{ .Values.autoscaling.maxReplicas }}',
  [TOKENS.hpaTarget]: '{{ .Values.autoscaling.targetCPUUtilizationPercentage }}',
};

/** Actions for tokens inside a longer string (no quotes). */
const EMBEDDED: Record<string, string> = {
  [TOKENS.release]: '{{ .Release.Name }}',
};

/** Line-level replacements: `key: TOKEN` lines that become blocks or conditional lines. */
const LINES: { token: string; render: (indent: string, key: string) => string }[] = [
  {
    token: TOKENS.resources,
    render: (i, key) => `${i}${key}:\n${i}  {{- toYaml .Values.resources | nindent ${i.length + 2} }}`,
  },
  {
    token: TOKENS.replicas,
    render: (i, key) => `${i}{{- if not .Values.autoscaling.enabled }}\n${i}${key}: {{ .Values.replicaCount }}\n${i}{{- end }}`,
  },
];

/** Renders one manifest as template text, with every token replaced. */
export function manifestToTemplate(manifest: Record<string, unknown>, options: { onlyIf?: string } = {}): string {
  let text = YAML.stringify(manifest, { indent: 2, lineWidth: 0 });
  for (const { token, render } of LINES) {
    text = text.replace(new RegExp(`^( *)([^\\s:]+): ${token}$`, 'gm'), (_, indent: string, key: string) => render(indent, key));
  }
  text = text.replace(new RegExp(`^( *)${TOKENS.config}: ""$`, 'gm'), (_, i: string) =>
    `${i}{{- if .Values.config }}\n${i}{{- toYaml .Values.config | nindent ${i.length} }}\n${i}{{- end }}`);
  // A token that is a whole value takes its (quoted) action; one inside a longer string, like
  // `<release>-test-connection`, takes the bare action so the result stays one plain scalar.
  for (const [token, action] of Object.entries(INLINE)) {
    text = text.replace(new RegExp(`(: |- )${token}$`, 'gm'), (_, lead: string) => lead + action);
    const embedded = EMBEDDED[token];
    if (text.includes(token)) {
      if (!embedded) throw new Error(`template token ${token} can only stand as a whole value`);
      text = text.split(token).join(embedded);
    }
  }
  const leftover = /__HELM_[A-Z_]+__/.exec(text);
  if (leftover) throw new Error(`template token ${leftover[0]} was not replaced`);
  return options.onlyIf ? `{{- if ${options.onlyIf} }}\n${text}{{- end }}\n` : text;
}
