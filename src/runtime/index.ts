// The CLI runtime: the logic behind the helper CLIs (bins in ./cli), and what it shares with
// synthesis (../common).
export * from '../common/cli-errors';
export * from '../common/cli-contracts';
export * from '../common/regression-thresholds';
export * from './metrics/performance-metrics';
export * from './metrics/transcription-samples';
export * from './metrics/word-error-rate';
export * from './app-health/app-health';
export * from './canary/canary-judgement';
export * from './canary/prometheus-query';
export * from './regression/compare';
export * from './regression/report';
export * from './regression/parse-thresholds';
export * from './build-metadata/build-metadata';
export * from './build-metadata/git-reader';
export * from './smoke/wav';
export * from './smoke/smoke-test';
export * from './load/load-test';
export * from './swift/package-resolved';
