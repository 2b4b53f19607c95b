import { HelmChart, type Construct, type Platform } from '../src';

/** `charts/<service>/`: one Helm chart per service of the platform. */
export function serviceCharts(scope: Construct, platform: Platform): HelmChart[] {
  return platform.services.map((service) => new HelmChart(scope, `chart-${service.name}`, { platform, service }));
}
