/** V8's tiering for short runs; loading the module applies it to this process (v8-tiering.js). */
export declare const SHORT_RUN_V8_FLAGS: readonly string[];
/** The flags for a node command line that this node's V8 knows. */
export declare function nodeFlags(flags?: readonly string[]): string[];
