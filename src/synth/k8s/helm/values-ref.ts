import type { ChartValues } from './values';

/**
 * A typed path into a chart's values, as a Helm template reads it: `VALUES.image.repository.$` is
 * `.Values.image.repository`. Every key is checked against {@link ChartValues} at compile time, so a
 * template can no longer name a value that does not exist; map keys (a called service's name) are
 * reached by index: `VALUES.dependencies['svc-01'].release.$`.
 */
export type ValuesRef<T> = { readonly $: string } & (T extends readonly unknown[]
  ? unknown
  : T extends object
    ? { readonly [K in keyof T]-?: ValuesRef<T[K]> }
    : unknown);

/** A key Go's template parser takes as a field name after a dot. */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The template expression of a path under `.Values`. A key that is not a field name (`svc-01`: a
 * service name may hold a hyphen, which Go's parser rejects as `bad character U+002D`) makes the
 * whole path an `index` call, in parentheses so it stands anywhere an operand does.
 */
export function valuesExpression(path: readonly string[]): string {
  if (path.every((k) => FIELD_NAME.test(k))) return ['.Values', ...path].join('.');
  return `(index .Values ${path.map((k) => JSON.stringify(k)).join(' ')})`;
}

function refAt(path: readonly string[]): unknown {
  return new Proxy(
    {},
    {
      get: (_, key) => {
        if (key === '$') return valuesExpression(path);
        if (typeof key !== 'string') return undefined;
        return refAt([...path, key]);
      },
    },
  );
}

/** The root of the chart values: `VALUES.<path>.$` is the template expression of that value. */
export const VALUES = refAt([]) as ValuesRef<ChartValues>;
