/** The command line that runs a bin of this package's node_modules with V8's tiering for short runs (tuned-bin.js). */
export declare function tunedBinCommand(bin: string, args: readonly string[]): [string, string[]];
