/** A bin of this package's node_modules/.bin (tuned-bin.js). */
export declare function binPath(bin: string): string;
/** The command line that runs a bin of this package's node_modules with V8's tiering for short runs (tuned-bin.js). */
export declare function tunedBinCommand(bin: string, args: readonly string[]): [string, string[]];
