import { randomBytes } from 'node:crypto';
import {
  accessSync,
  appendFileSync,
  closeSync,
  constants,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../common/cli-errors';
import { quoteInput } from '../../common/safe-text';

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return code ?? (e as Error).message;
  }
}

/** The file a path names, following a symbolic link, so a write replaces the target, not the link. */
function targetOf(file: string): string {
  try {
    return lstatSync(file).isSymbolicLink() ? realpathSync(file) : file;
  } catch {
    return file;
  }
}

/**
 * Checks, before any work starts, that a file can be written where it is asked for: an existing
 * path must be a regular file that may be written; a new one needs a writable folder (created
 * when missing). Throws an InputError naming the flag and the path.
 */
export function assertWritable(file: string, flag: string): void {
  const at = `${flag} ${quoteInput(file)}`;
  const target = path.resolve(targetOf(file));
  let stat;
  try {
    stat = statSync(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new InputError(`${at}: cannot write (${reason(e)})`);
  }
  if (stat) {
    if (!stat.isFile()) {
      throw new InputError(`${at}: cannot write (${stat.isDirectory() ? 'is a folder' : 'not a regular file'})`);
    }
    try {
      accessSync(target, constants.W_OK);
    } catch (e) {
      throw new InputError(`${at}: cannot write (${reason(e)})`);
    }
    return;
  }
  const dir = path.dirname(target);
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new InputError(`${at}: cannot write in ${quoteInput(dir)} (${reason(e)})`);
  }
}

/**
 * Checks, before any work starts, that a folder can be written: created when missing; an existing
 * path must be a folder that may be written. Throws an InputError naming the flag and the path.
 */
export function assertWritableFolder(dir: string, flag: string): void {
  const at = `${flag} ${quoteInput(dir)}`;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new InputError(`${at}: cannot create the folder (${reason(e)})`);
  }
  try {
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new InputError(`${at}: cannot write in it (${reason(e)})`);
  }
}

/**
 * Writes a file atomically: a temporary file in the same folder, flushed, then renamed over
 * the target (the link's target when the path is a symbolic link). A crash or an error midway
 * never leaves a half-written file or a changed target. A failure is an InputError naming the path.
 */
export function writeFileAtomic(file: string, content: string): void {
  const target = targetOf(file);
  const dir = path.dirname(path.resolve(target));
  // A name nobody can guess, created exclusively: a link planted under it is never followed.
  const tmp = path.join(dir, `.${path.basename(target)}.${randomBytes(8).toString('hex')}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new InputError(`${quoteInput(file)}: cannot write (${reason(e)})`);
  }
}

/** Appends text (e.g. to $GITHUB_STEP_SUMMARY); a failure is an InputError naming the path. */
export function appendText(file: string, text: string): void {
  try {
    appendFileSync(file, text);
  } catch (e) {
    throw new InputError(`${quoteInput(file)}: cannot append (${reason(e)})`);
  }
}

/** The largest JSON input a CLI reads (a lock file, a manifest, metrics): far above any real one. */
export const MAX_JSON_INPUT_BYTES = 32 * 1024 * 1024;

/**
 * Reads and parses a JSON file; a missing, malformed or oversized file, or one that is not a regular
 * file (a FIFO or a device would block or never end), is an InputError naming it.
 */
export function readJsonFile(file: string, maxBytes = MAX_JSON_INPUT_BYTES): unknown {
  let text: string;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) {
      throw new InputError(
        `${quoteInput(file)}: is ${stat.isDirectory() ? 'a folder' : 'not a regular file'}, expected a JSON file`,
      );
    }
    if (stat.size > maxBytes) {
      throw new InputError(`${quoteInput(file)}: ${stat.size} bytes, more than the ${maxBytes} a JSON input may have`);
    }
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${quoteInput(file)}: cannot read (${reason(e)})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${quoteInput(file)}: malformed JSON: ${(e as Error).message.slice(0, 200)}`);
  }
}

/**
 * Whether a file exists (for "no history yet"). Only "no such file" is absence: a folder, a FIFO
 * or an unreadable path in its place is an InputError, never taken as "nothing there".
 */
export function fileExists(file: string): boolean {
  let stat;
  try {
    stat = statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new InputError(`${quoteInput(file)}: cannot read (${reason(e)})`);
  }
  if (!stat.isFile()) {
    throw new InputError(
      `${quoteInput(file)}: is ${stat.isDirectory() ? 'a folder' : 'not a regular file'}, expected a JSON file`,
    );
  }
  return true;
}
