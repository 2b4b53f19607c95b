import * as YAML from 'yaml';
import { CHART_VALUES, defaultValues, environmentValues, Platform, valueRows, valuesSchema } from '../../src';
import { group, tableEnvironment, value } from '../../src/synth/k8s/helm/values-table';
import { TEST_PLATFORM, testPlatform } from '../fixtures/platforms';

const platform = Platform.fromDefinition(TEST_PLATFORM);

/** Every leaf of a values object, as dotted paths, stopping at the table's own leaves. */
function leafPaths(table: Record<string, any>, prefix = ''): string[] {
  return Object.entries(table).flatMap(([k, node]) =>
    node.kind === 'group' ? leafPaths(node.children, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

const at = (o: any, path: string) => path.split('.').reduce((x, k) => x?.[k], o);

describe('the chart values table', () => {
  test.each(platform.services.map((s) => s.name))(
    '%s: one row per value, defaults and environments as the files hold them',
    (name) => {
      const service = platform.service(name);
      const defaults = defaultValues(platform, service);
      const rows = valueRows(
        defaults,
        Object.fromEntries(platform.environments.map((env) => [env.name, environmentValues(env, service)])),
      );
      expect(rows.map((r) => r.path)).toEqual(leafPaths(CHART_VALUES));
      for (const row of rows) {
        expect(row.default).toEqual(at(defaults, row.path));
        expect(row.description.length).toBeGreaterThan(10);
        for (const env of platform.environments) {
          expect([row.path, env.name, row.environments[env.name]]).toEqual([
            row.path,
            env.name,
            at(environmentValues(env, service), row.path),
          ]);
        }
      }
    },
  );

  test('every value in the schema has its description from the table; the schema is closed at each group', () => {
    const service = platform.service('tts');
    const schema = valuesSchema('tts', defaultValues(platform, service)) as any;
    for (const path of leafPaths(CHART_VALUES)) {
      const keys = path.split('.');
      let node = schema;
      for (const k of keys.slice(0, -1)) {
        expect(node.properties[k].additionalProperties).toBe(false);
        node = node.properties[k];
      }
      expect(typeof node.properties[keys.at(-1)!].description).toBe('string');
    }
  });

  test("an environment's file holds only what it changes, in the table's order; an untouched group is left out", () => {
    const quiet = Platform.fromDefinition(
      testPlatform((d) => {
        const staging = d.environments[0]!;
        delete staging.metrics;
        delete staging.logLevel;
      }),
    );
    const staging = quiet.environments[0]!;
    const values = environmentValues(staging, quiet.service('tts'));
    expect(Object.keys(values)).toEqual(['replicaCount', 'autoscaling']);
    expect(YAML.stringify(values)).toBe('replicaCount: 2\nautoscaling:\n  enabled: false\n');
  });

  test('the kit: a group whose values no environment sets is absent; a set value keeps its place', () => {
    const table = {
      a: group({ x: value({ description: 'x', schema: {}, default: () => 1 }) }),
      b: value<number>({ description: 'b', schema: {}, default: () => 1, environment: () => 2 }),
    };
    expect(tableEnvironment(table, TEST_PLATFORM.environments[0]!, platform.service('tts'))).toEqual({ b: 2 });
  });
});
