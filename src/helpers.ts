// The logic behind the helper CLIs (and the Helm-subset renderer the tests use).
export * from './cli/cli-errors';
export * from './metrics/performance-metrics';
export * from './regression/compare';
export * from './regression/report';
export * from './build-metadata/build-metadata';
export * from './build-metadata/git-reader';
export * from './smoke/wav';
export * from './smoke/smoke-test';
export * from './load/load-test';
export * from './swift/package-resolved';
export * from './k8s/helm/render-subset';
export * from './regression/thresholds';
export * from './regression/parse-thresholds';
export * from './cli/contracts';
