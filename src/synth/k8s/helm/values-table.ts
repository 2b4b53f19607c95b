import type { Platform, Service } from '../../model/platform';
import type { EnvironmentDefinition } from '../../model/platform-definition';

/** A JSON schema (draft-07) fragment. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** What a value's default is computed from. */
export interface ValueContext {
  readonly platform: Platform;
  readonly service: Service;
}

/** One chart value: declared once, read by values.yaml, the environments' files, the schema, the docs and the templates. */
export interface ValueSpec<T> {
  /** What the value does; the schema's `description` and the chart README's. */
  readonly description: string;
  /** The value's JSON schema, without `description`; a function when it depends on the default (a map's keys). */
  readonly schema: JsonSchema | ((defaultValue: T) => JsonSchema);
  /** The default, from the platform model. */
  readonly default: (context: ValueContext) => T;
  /**
   * What an environment's values file sets, from the model's environment.
   * @default - the environment's file leaves the value at its default
   */
  readonly environment?: (environment: EnvironmentDefinition, service: Service) => T | undefined;
}

/** A value of the table: a leaf (scalar, list, map or a whole object Helm treats as one). */
export interface ValueNode<T> extends ValueSpec<T> {
  readonly kind: 'value';
}

/** A nested group of values (`image.*`): a closed object in the schema. */
export interface GroupNode<C extends ValuesTable> {
  readonly kind: 'group';
  readonly children: C;
  /** Schema keywords beside the group's closed object, e.g. an `if`/`then` between its values. */
  readonly rule?: JsonSchema;
}

/** A table of chart values, by key. */
export type ValuesTable = { readonly [key: string]: ValueNode<any> | GroupNode<any> };

/** The values type a table declares. */
export type ValuesOf<N> =
  N extends ValueNode<infer T>
    ? T
    : N extends GroupNode<infer C>
      ? { readonly [K in keyof C]: ValuesOf<C[K]> }
      : N extends ValuesTable
        ? { readonly [K in keyof N]: ValuesOf<N[K]> }
        : never;

/** Declares a value of the table. */
export function value<T>(spec: ValueSpec<T>): ValueNode<T> {
  return { kind: 'value', ...spec };
}

/** Declares a group of values. */
export function group<C extends ValuesTable>(children: C, rule?: JsonSchema): GroupNode<C> {
  return { kind: 'group', children, ...(rule ? { rule } : {}) };
}

/** A closed object schema: every key required unless said, nothing else allowed. */
export function closedObject(
  properties: Record<string, unknown>,
  required: readonly string[] = Object.keys(properties),
): JsonSchema {
  return { type: 'object', additionalProperties: false, required: [...required], properties };
}

/** The defaults of every value of the table: values.yaml. */
export function tableDefaults(table: ValuesTable, context: ValueContext): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(table).map(([key, node]) => [
      key,
      node.kind === 'value' ? node.default(context) : tableDefaults(node.children, context),
    ]),
  );
}

/** What one environment's values file sets: only the values the environment changes, in the table's order. */
export function tableEnvironment(
  table: ValuesTable,
  environment: EnvironmentDefinition,
  service: Service,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(table)) {
    const set =
      node.kind === 'value'
        ? node.environment?.(environment, service)
        : tableEnvironment(node.children, environment, service);
    if (set === undefined || (node.kind === 'group' && Object.keys(set as object).length === 0)) continue;
    out[key] = set;
  }
  return out;
}

/** The closed schema of a table, each value described; `values` are the defaults a map's schema names. */
export function tableSchema(table: ValuesTable, values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(table).map(([key, node]) => {
      if (node.kind === 'group') {
        const children = values[key] as Record<string, unknown>;
        return [key, { ...closedObject(tableSchema(node.children, children)), ...node.rule }];
      }
      const schema = typeof node.schema === 'function' ? node.schema(values[key]) : node.schema;
      return [key, { ...schema, description: node.description }];
    }),
  );
}

/** One row of a chart's values reference. */
export interface ValueRow {
  /** Dotted path, e.g. `image.repository`. */
  readonly path: string;
  readonly description: string;
  readonly default: unknown;
  /** What each environment's file sets, by environment name (only those that set it). */
  readonly environments: Readonly<Record<string, unknown>>;
}

/** Every value of the table as a row, with its default and each environment's setting, for the docs. */
export function tableRows(
  table: ValuesTable,
  defaults: Readonly<Record<string, unknown>>,
  environments: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
  prefix = '',
): ValueRow[] {
  // Each environment's setting of `key`, for the environments whose file sets it.
  const settingsOf = (key: string) =>
    Object.fromEntries(
      Object.entries(environments).flatMap(([env, set]) => (set[key] === undefined ? [] : [[env, set[key]]])),
    );
  return Object.entries(table).flatMap(([key, node]): ValueRow[] => {
    const path = `${prefix}${key}`;
    if (node.kind === 'group') {
      const groupSettings = settingsOf(key) as Record<string, Readonly<Record<string, unknown>>>;
      const children = Object.fromEntries(Object.keys(environments).map((env) => [env, groupSettings[env] ?? {}]));
      return tableRows(node.children, defaults[key] as Record<string, unknown>, children, `${path}.`);
    }
    return [{ path, description: node.description, default: defaults[key], environments: settingsOf(key) }];
  });
}
