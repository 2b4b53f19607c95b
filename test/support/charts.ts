import { helmTemplate, writeChart } from './helm';
import { defaultValues, environmentValues, mergeValues, Platform, type K8sObject } from '../../src';
import { PLATFORM } from '../../workflows-gen/platform';

export const platform = Platform.fromDefinition(PLATFORM);

/** The values sets each chart is rendered with: the defaults and each environment's file over them. */
export function valueSets(serviceName: string): [string, unknown][] {
  const defaults = defaultValues(platform, platform.service(serviceName));
  return [
    ['default', defaults],
    ...platform.environments.map((env): [string, unknown] => [
      env.name,
      mergeValues(defaults, environmentValues(env, platform.service(serviceName))),
    ]),
  ];
}

const written = new WeakMap<Record<string, string>, Map<string, string>>();

/** The chart folder of a synthesized file set, written to disk once. */
export function chartPath(files: Record<string, string>, chartDir: string): string {
  let byDir = written.get(files);
  if (!byDir) written.set(files, (byDir = new Map()));
  let dir = byDir.get(chartDir);
  if (!dir) byDir.set(chartDir, (dir = writeChart(files, chartDir)));
  return dir;
}

/** Renders a chart with the real `helm template` and the given values over its values.yaml. */
export function renderChart(
  files: Record<string, string>,
  chartDir: string,
  values: unknown,
  release: string,
  namespace = 'voice',
): K8sObject[] {
  return helmTemplate(chartPath(files, chartDir), { release, namespace, values });
}
