import busboy from 'busboy';
import { HttpError, badRequest } from '../../errors.ts';
import { bodyBytes } from './api-gateway.ts';
import { readJsonFields } from '../../domain/submission.ts';
import { decodeWindows1252, windows1252FromLatin1 } from '../../domain/windows-1252.ts';

export const MAX_BODY_BYTES = 32 * 1024;

export type BodyKind = 'json' | 'urlencoded' | 'multipart';

export interface ParsedBody {
  kind: BodyKind;
  /** Form fields in arrival order; a repeated field keeps every value. */
  fields: Array<[string, string]>;
  /** The decoded JSON value, for vendor webhook shapes. */
  json?: unknown;
  /** The body as text, as it arrived (after base64), for the raw payload record. */
  text: string;
  /**
   * A JSON body's contact fields that break the lead form's rules (a list or an object for a name, say), by field.
   * Capture refuses them; a route whose body is not a lead form (the CRM activities API) has rules of its own.
   */
  fieldProblems?: Record<string, string>;
}

/** A whole body: a byte-order mark in front of it says UTF-8 and is no part of the fields. */
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** One percent-decoded name or value: a U+FEFF that starts it is data, as it is anywhere else in the body. */
const utf8Token = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const UTF8_NAMES = new Set(['utf-8', 'utf8']);

/** The content type's `charset` parameter, lower case, without quotes; undefined when it has none. */
function declaredCharset(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return match?.[1]?.toLowerCase();
}

export function bodyKind(contentType: string | undefined): BodyKind {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === 'application/json' || mediaType?.endsWith('+json')) return 'json';
  if (mediaType === 'application/x-www-form-urlencoded') return 'urlencoded';
  if (mediaType === 'multipart/form-data') return 'multipart';
  throw new HttpError(415, contentType
    ? `content type "${contentType.slice(0, 100)}" is not supported; send application/json, application/x-www-form-urlencoded or multipart/form-data`
    : 'a content-type header is required: application/json, application/x-www-form-urlencoded or multipart/form-data', { code: 'unsupported_media_type' });
}

/** Decodes a request body the way API Gateway delivers it (base64 for form posts) and parses it by content type. */
export async function parseBody(contentType: string | undefined, body: string | undefined, isBase64Encoded: boolean, contentEncoding?: string): Promise<ParsedBody> {
  const kind = bodyKind(contentType);
  if (contentEncoding && contentEncoding.trim().toLowerCase() !== 'identity') {
    // RFC 7694: a server that takes no compressed bodies answers 415 and says which coding it takes.
    throw new HttpError(415, `content-encoding "${contentEncoding.slice(0, 50)}" is not supported: send the body uncompressed (a 32 KB form needs no compression)`, {
      code: 'unsupported_content_encoding',
      headers: { 'accept-encoding': 'identity' },
    });
  }
  const bytes = bodyBytes(body, isBase64Encoded);
  if (bytes.length > MAX_BODY_BYTES) {
    throw new HttpError(413, `body is ${bytes.length} bytes; the limit is ${MAX_BODY_BYTES} bytes (32 KB)`, { code: 'payload_too_large' });
  }
  if (bytes.length === 0) throw badRequest('body is empty');
  if (kind === 'multipart') {
    // A page served in a legacy charset posts its form fields in that charset, and a visitor cannot fix that:
    // fields that are not UTF-8 are read as Windows-1252 (ISO-8859-1's superset), instead of refusing the lead.
    const text = decodeUtf8(bytes);
    if (text !== undefined) return { kind, fields: await parseMultipart(contentType!, bytes, 'utf8'), text };
    const fields = await parseMultipart(contentType!, bytes, 'latin1');
    return { kind, fields: fields.map(([name, value]) => [name, windows1252FromLatin1(value)]), text: decodeWindows1252(bytes) };
  }
  const text = decodeUtf8(bytes);
  const charset = declaredCharset(contentType);
  if (kind === 'json' && charset && !UTF8_NAMES.has(charset) && (text === undefined || text.includes('\uFFFD'))) {
    // JSON is UTF-8 (RFC 8259). A body in another charset reaches us with its letters already lost (API Gateway
    // decodes a JSON body as UTF-8), so it is refused rather than stored as "J\uFFFDrgen".
    throw new HttpError(415, `JSON must be sent as UTF-8 (RFC 8259); this body says charset=${charset.slice(0, 40)} and is not UTF-8`, { code: 'unsupported_charset' });
  }
  if (text === undefined) throw badRequest('body is not valid UTF-8');
  if (kind === 'urlencoded') return { kind, fields: parseUrlencoded(text), text };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw badRequest('body is not valid JSON');
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw badRequest('JSON body must be an object of fields');
  const { fields, problems } = readJsonFields(json as Record<string, unknown>);
  return { kind, fields, json, text, ...(Object.keys(problems).length > 0 ? { fieldProblems: problems } : {}) };
}

/**
 * A form post's fields. A browser on a page served in a legacy charset percent-escapes the page's own bytes (`%FC`
 * for ü in Latin-1), which are not UTF-8: such a name or value is read as Windows-1252, as a multipart body from such
 * a page is, so the letter arrives instead of U+FFFD.
 */
function parseUrlencoded(text: string): Array<[string, string]> {
  return text.split('&').filter(Boolean).map((pair) => {
    const separator = pair.indexOf('=');
    const [name, value] = separator < 0 ? [pair, ''] : [pair.slice(0, separator), pair.slice(separator + 1)];
    return [percentDecoded(name), percentDecoded(value)];
  });
}

const PERCENT = 0x25;

function percentDecoded(encoded: string): string {
  const plain = encoded.replaceAll('+', ' ');
  if (!plain.includes('%')) return plain;
  // The body was UTF-8, so its bytes are; a '%' byte never occurs inside a multi-byte character. Escapes are
  // replaced in place, and anything that is not one (a stray %) stands for itself.
  const source = Buffer.from(plain, 'utf8');
  const bytes = Buffer.alloc(source.length);
  let length = 0;
  for (let index = 0; index < source.length; index++) {
    const hex = source[index] === PERCENT ? source.toString('latin1', index + 1, index + 3) : '';
    if (/^[0-9a-f]{2}$/i.test(hex)) {
      bytes[length++] = Number.parseInt(hex, 16);
      index += 2;
    } else {
      bytes[length++] = source[index]!;
    }
  }
  const decoded = bytes.subarray(0, length);
  return decodeUtf8(decoded, utf8Token) ?? decodeWindows1252(decoded);
}

function decodeUtf8(bytes: Buffer, decoder = utf8): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** `charset` is the parts' default; a part that names its own charset is decoded in that. */
function parseMultipart(contentType: string, bytes: Buffer, charset: 'utf8' | 'latin1'): Promise<Array<[string, string]>> {
  return new Promise((resolve, reject) => {
    const fields: Array<[string, string]> = [];
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: { 'content-type': contentType }, limits: { fileSize: 0, fieldSize: MAX_BODY_BYTES }, defCharset: charset, defParamCharset: 'utf8' });
    } catch {
      reject(badRequest('multipart body has no boundary'));
      return;
    }
    let failed = false;
    const fail = (error: HttpError) => {
      if (!failed) reject(error);
      failed = true;
    };
    parser.on('field', (name: string | undefined, value) => {
      if (name) fields.push([name, value]);
      else fail(badRequest('a multipart part has no field name'));
    });
    parser.on('file', (name, stream) => {
      stream.resume();
      fail(badRequest(`file uploads are not accepted (field "${name.slice(0, 60)}")`));
    });
    parser.on('error', () => fail(badRequest('multipart body is malformed')));
    parser.on('close', () => {
      if (!failed) resolve(fields);
    });
    parser.end(bytes);
  });
}
