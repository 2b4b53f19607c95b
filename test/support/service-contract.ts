import type { Platform, Service } from '../../src';

/**
 * The environment a stand-in service (test/e2e/services) reads its contract from: health and
 * synthesis paths, and the health path of each service it calls. Taken from the platform model so
 * the end-to-end suite and the job runner never restate a path.
 */
export function serviceContractEnv(platform: Platform, service: Service): Record<string, string> {
  return {
    HEALTH_PATH: service.healthPath,
    ...(service.synthesisPath ? { SYNTHESIS_PATH: service.synthesisPath } : {}),
    ...Object.fromEntries(
      service.calls.map((c) => [`${c.toUpperCase().replace(/-/g, '_')}_HEALTH_PATH`, platform.service(c).healthPath]),
    ),
  };
}
