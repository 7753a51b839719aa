import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError } from '../../errors.ts';

/**
 * Checks an `Authorization: Bearer <token>` header against the expected token in constant time. Both sides are
 * hashed first so that their lengths match and the comparison time says nothing about the token's length.
 */
export function requireBearerToken(authorization: string | undefined, expected: string): void {
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  const digest = (value: string) => createHash('sha256').update(value).digest();
  if (!presented || !timingSafeEqual(digest(presented), digest(expected))) {
    throw new HttpError(401, 'a valid bearer token is required (Authorization: Bearer <token>)', {
      code: 'unauthorized',
      headers: { 'www-authenticate': 'Bearer realm="handoff"' },
    });
  }
}
