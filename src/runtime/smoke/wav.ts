/** What a valid WAV header says. */
export interface WavInfo {
  /** 1 = PCM, 3 = IEEE float, 0xFFFE = extensible. */
  readonly audioFormat: number;
  readonly channels: number;
  readonly sampleRate: number;
  readonly bitsPerSample: number;
  /** Bytes of audio in the data chunk. */
  readonly dataBytes: number;
  /** Duration from the data size and the format. */
  readonly durationSeconds: number;
}

const KNOWN_FORMATS = new Set([1, 3, 0xfffe]);

/**
 * Checks that a buffer is a RIFF/WAVE file with a sane `fmt ` chunk and a non-empty `data`
 * chunk that fits in the buffer. Returns the header facts, or the reason it is not valid audio.
 */
export function inspectWav(buf: Buffer): WavInfo | { problem: string } {
  if (buf.length < 12) return { problem: `${buf.length} bytes is too short for a WAV header` };
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    return { problem: `not a RIFF/WAVE file (starts with ${JSON.stringify(buf.toString('latin1', 0, 12))})` };
  }
  let fmt: Omit<WavInfo, 'dataBytes' | 'durationSeconds'> | undefined;
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) return { problem: `fmt chunk of ${size} bytes is truncated` };
      fmt = {
        audioFormat: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        bitsPerSample: buf.readUInt16LE(body + 14),
      };
      if (!KNOWN_FORMATS.has(fmt.audioFormat)) {
        return { problem: `unsupported audio format ${fmt.audioFormat} (expected PCM, float or extensible)` };
      }
      if (fmt.channels < 1 || fmt.sampleRate < 1 || fmt.bitsPerSample < 8 || fmt.bitsPerSample % 8 !== 0) {
        return {
          problem: `implausible format: ${fmt.channels} channels, ${fmt.sampleRate} Hz, ${fmt.bitsPerSample} bits`,
        };
      }
    } else if (id === 'data') {
      if (!fmt) return { problem: 'data chunk comes before the fmt chunk' };
      if (size === 0) return { problem: 'data chunk is empty: no audio' };
      if (body + size > buf.length) {
        return { problem: `data chunk declares ${size} bytes but only ${buf.length - body} follow` };
      }
      const frame = fmt.channels * (fmt.bitsPerSample / 8);
      if (size % frame !== 0) return { problem: `data size ${size} is not a whole number of ${frame}-byte frames` };
      return { ...fmt, dataBytes: size, durationSeconds: size / frame / fmt.sampleRate };
    }
    offset = body + size + (size % 2); // chunks are word-aligned
  }
  return { problem: fmt ? 'no data chunk' : 'no fmt chunk' };
}

/** A PCM WAV file (16-bit mono sine), for fixtures and examples. */
export function makeWav(options: { seconds: number; sampleRate?: number; frequency?: number }): Buffer {
  const rate = options.sampleRate ?? 16000;
  const samples = Math.round(options.seconds * rate);
  const buf = Buffer.alloc(44 + samples * 2);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + samples * 2, 4);
  buf.write('WAVEfmt ', 8, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(samples * 2, 40);
  const freq = options.frequency ?? 440;
  for (let i = 0; i < samples; i++) {
    buf.writeInt16LE(Math.round(Math.sin((2 * Math.PI * freq * i) / rate) * 8000), 44 + i * 2);
  }
  return buf;
}
