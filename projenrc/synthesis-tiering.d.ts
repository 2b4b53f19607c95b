/** The V8 flags a synthesis process runs with; loading the module applies them (synthesis-tiering.js). */
export declare const SYNTHESIS_V8_FLAGS: readonly string[];
