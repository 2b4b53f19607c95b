/**
 * Reads a response body up to `limit` bytes. Beyond it, it stops reading and throws what
 * `tooLarge` makes, so an endless or runaway stream can never fill the memory.
 */
export async function readBounded(
  body: AsyncIterable<Uint8Array | string>,
  limit: number,
  tooLarge: (limit: number) => Error,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer =
      typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    size += buffer.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
