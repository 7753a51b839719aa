import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * An item's size as DynamoDB bills it: attribute names plus values (strings and binaries by their bytes,
 * numbers ~1 byte per 2 significant digits + 1, booleans and nulls 1 byte, lists and maps 3 bytes plus 1 per element).
 */
export function itemSizeBytes(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce((total, [name, value]) => total + Buffer.byteLength(name) + valueSize(value), 0);
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((total, text) => total + Buffer.byteLength(text), 0);
  if (value.NS) return value.NS.reduce((total, text) => total + numberSize(text), 0);
  if (value.BS) return value.BS.reduce((total, bytes) => total + bytes.length, 0);
  if (value.L) return 3 + value.L.reduce((total, element) => total + 1 + valueSize(element), 0);
  if (value.M) return 3 + Object.entries(value.M).reduce((total, [name, element]) => total + 1 + Buffer.byteLength(name) + valueSize(element), 0);
  return 0;
}

function numberSize(text: string): number {
  const digits = text.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}
