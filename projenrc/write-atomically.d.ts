/** Writes under a temporary name and renames: a parallel run never reads half a file. */
export declare function writeAtomically(file: string, contents: string | Uint8Array): void;
