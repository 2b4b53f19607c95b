export * from './checkout';
export * from './setup-uv';
export * from './setup-node';
export * from './artifacts';
export * from './cache';
export * from './helm';
