import zlib from 'node:zlib';
import type { Request } from 'express';
import { ApiError, invalid } from '../errors';

/**
 * Request bodies are read here, and only once the caller is authenticated and authorized for the route
 * (route.ts): an anonymous request, or one refused for its scope, never costs more than its headers.
 *
 * What a body may cost is bounded per route before it is parsed: its bytes after decompression (a gzip bomb
 * stops at the limit, not at 8 MB of inflated zeros), and the number of JSON values and their nesting,
 * counted chunk by chunk as the bytes arrive (a scan that never holds the event loop for more than one
 * chunk). JSON.parse then runs on at most `values` values, which is what makes its one synchronous call
 * short: 100,000 list values parse in about 10 ms, where 4 million zeros took 130 ms and walking them
 * seconds.
 */
export interface BodyLimits {
  /** Bytes after any Content-Encoding is undone. */
  bytes: number;
  /** JSON values (array elements, object members, and the containers themselves). */
  values: number;
}

export const DEFAULT_BODY_LIMITS: BodyLimits = { bytes: 1024 * 1024, values: 200_000 };
export const MAX_JSON_DEPTH = 64;

const MB = 1024 * 1024;
const sizeText = (bytes: number) => (bytes >= MB ? `${Math.round(bytes / MB)} MB` : `${Math.round(bytes / 1024)} KB`);

export const tooLarge = (limits: BodyLimits) => new ApiError(413, 'PAYLOAD_TOO_LARGE', `Request body is larger than the ${sizeText(limits.bytes)} this route takes`);
const unreadable = (message: string) => invalid(message, [{ path: '(body)', message }]);

/** Whether the request carries a body at all (a length above zero, or a chunked one). */
export function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

function decoded(req: Request): NodeJS.ReadableStream {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  switch (encoding) {
    case 'identity':
      return req;
    case 'gzip':
    case 'x-gzip':
      return req.pipe(zlib.createGunzip());
    case 'deflate':
      return req.pipe(zlib.createInflate());
    default:
      throw unreadable(`Content-Encoding ${encoding.slice(0, 50)} is not supported: send identity, gzip or deflate`);
  }
}

function checkCharset(req: Request): void {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') throw unreadable(`charset ${charset.slice(0, 40)} is not supported: send UTF-8`);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const U = 0x75;
const ZERO = 0x30;

/**
 * Counts what a JSON text holds while its bytes arrive, without building anything: values, nesting depth,
 * and `\u0000` escapes (Postgres cannot store NUL, and would answer with a 500). It does not validate the
 * syntax; JSON.parse does that afterwards, on a text this scan has bounded.
 */
export class JsonScan {
  values = 1;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Inside a \u escape: how many of its four hex digits have been seen, and whether all were zero. */
  private unicodeDigits = -1;
  private unicodeZero = true;

  constructor(private readonly limits: BodyLimits) {}

  push(chunk: Buffer): void {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.inString) {
        if (this.unicodeDigits >= 0) {
          if (c !== ZERO) this.unicodeZero = false;
          if (++this.unicodeDigits === 4) {
            if (this.unicodeZero) throw unreadable('strings must not contain NUL (\\u0000) characters');
            this.unicodeDigits = -1;
          }
        } else if (this.escaped) {
          this.escaped = false;
          if (c === U) {
            this.unicodeDigits = 0;
            this.unicodeZero = true;
          }
        } else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      switch (c) {
        case QUOTE:
          this.inString = true;
          break;
        case 0x5b: // [
        case 0x7b: // {
          if (++this.depth > MAX_JSON_DEPTH) throw unreadable(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
          this.count();
          break;
        case 0x5d: // ]
        case 0x7d: // }
          this.depth--;
          break;
        case 0x2c: // ,
          this.count();
          break;
      }
    }
  }

  private count(): void {
    if (++this.values > this.limits.values) throw unreadable(`the body holds more than ${this.limits.values.toLocaleString('en')} JSON values, more than this route takes`);
  }
}

/**
 * The request's body bytes as sent (decoded when `decode`), bounded and scanned like a JSON body: for a route
 * that must check them before parsing (a signed webhook). Refuses (413) a declared length over the limit
 * before reading a byte, and stops reading as soon as the decoded bytes pass it.
 */
export async function readBodyBytes(req: Request, limits: BodyLimits, o: { decode: boolean } = { decode: true }): Promise<Buffer> {
  if (!hasBody(req)) return Buffer.alloc(0);
  checkCharset(req);
  const declared = Number(req.headers['content-length']);
  const identity = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim() === 'identity';
  if (!identity && !o.decode) throw unreadable('this route takes no Content-Encoding: its body is signed as sent');
  if (identity && Number.isFinite(declared) && declared > limits.bytes) throw tooLarge(limits);
  const stream = decoded(req);
  const scan = new JsonScan(limits);
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > limits.bytes) throw tooLarge(limits);
      scan.push(chunk);
      chunks.push(chunk);
    }
  } catch (err) {
    // What is left of the request is not read: the connection cannot carry another request after it.
    req.unpipe();
    req.resume();
    if (err instanceof ApiError) throw err;
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('Z_')) throw unreadable('the body is not valid for its Content-Encoding');
    throw unreadable('the request body could not be read');
  }
  return Buffer.concat(chunks, bytes);
}

/** JSON.parse on a bounded text, or a 422 saying what is wrong with it; undefined for an empty body. */
export function parseJsonText(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw invalid(`Malformed JSON: ${(err as Error).message.slice(0, 200)}`, [{ path: '(body)', message: 'not valid JSON' }]);
  }
}

/** The request's JSON body, or undefined when it has none (see readBodyBytes). */
export async function readJsonBody(req: Request, limits: BodyLimits = DEFAULT_BODY_LIMITS): Promise<unknown> {
  if (!hasBody(req)) return undefined;
  return parseJsonText((await readBodyBytes(req, limits)).toString('utf8'));
}
