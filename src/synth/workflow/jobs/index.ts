export * from './change-detection';
export * from './results-gate';
export * from './python-uv';
export * from './test-summary';
export * from './node-package';
export * from './local-image';
export * from './compose-stack';
export * from './image-build';
