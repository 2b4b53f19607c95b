import * as YAML from 'yaml';
import { defaultValues, environmentValues, mergeValues, Platform, type K8sObject } from '../../src';
import { renderHelmSubset } from './helm-subset-renderer';
import { PLATFORM } from '../../workflows-gen/platform';

export const platform = Platform.fromDefinition(PLATFORM);

/** The values sets each chart is rendered with: the defaults and each environment's file over them. */
export function valueSets(serviceName: string): [string, unknown][] {
  const defaults = defaultValues(platform, platform.service(serviceName));
  return [['default', defaults], ...platform.environments.map((env): [string, unknown] => [env.name, mergeValues(defaults, environmentValues(env))])];
}

/** Renders every template of a chart (files by path) into objects, as `helm template` would. */
export function renderChart(files: Record<string, string>, chartDir: string, values: unknown, release: string): K8sObject[] {
  const chart = YAML.parse(files[`${chartDir}/Chart.yaml`]!);
  const ctx = { Values: values, Release: { Name: release, Namespace: 'voice', Service: 'Helm' }, Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion } };
  return Object.keys(files)
    .filter((f) => f.startsWith(`${chartDir}/templates/`) && f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => YAML.parseAllDocuments(renderHelmSubset(files[f]!, ctx)).map((d) => {
      // A rendered template that is not valid YAML would fail `helm template`: fail here too.
      if (d.errors.length > 0) throw new Error(`${f}: rendered YAML is invalid: ${d.errors.map((e) => e.message).join('; ')}`);
      return d.toJS() as K8sObject;
    }).filter((o) => o !== null));
}
