/**
 * The part of Lambda event filtering (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html)
 * the local stack needs: a pattern is an object whose leaves are arrays of exact values; a record matches when,
 * for every key in the pattern, the record has that key and its value equals one of the listed values
 * (an array value in the record matches when any of its elements does), recursing into nested objects.
 * A record passes a filter list when any pattern matches. Content rules such as `prefix`, `exists`, `numeric`
 * or `anything-but` are not emulated: a pattern using one is rejected up front, so nobody relies on a rule
 * that would only work in AWS.
 */
export type FilterValue = string | number | boolean | null;
export type FilterPattern = { readonly [key: string]: FilterPattern | readonly FilterValue[] };

export function assertSupportedFilterPattern(pattern: FilterPattern, path = ''): void {
  for (const [key, rule] of Object.entries(pattern)) {
    const where = path ? `${path}.${key}` : key;
    if (Array.isArray(rule)) {
      const unsupported = rule.find((value) => value !== null && typeof value === 'object');
      if (unsupported !== undefined) throw new Error(`filter rule at ${where} uses a content filter (${JSON.stringify(unsupported)}), which the local stack does not emulate`);
    } else if (rule !== null && typeof rule === 'object') {
      assertSupportedFilterPattern(rule as FilterPattern, where);
    } else {
      throw new Error(`filter rule at ${where} must be an array of values or a nested object`);
    }
  }
}

function matchesFilterPattern(pattern: FilterPattern, subject: unknown): boolean {
  if (subject === null || typeof subject !== 'object' || Array.isArray(subject)) return false;
  return Object.entries(pattern).every(([key, rule]) => {
    if (!Object.hasOwn(subject, key)) return false;
    const value: unknown = (subject as Record<string, unknown>)[key];
    if (Array.isArray(rule)) {
      const candidates: unknown[] = Array.isArray(value) ? value : [value];
      return candidates.some((candidate) => (rule as readonly FilterValue[]).includes(candidate as FilterValue));
    }
    return matchesFilterPattern(rule as FilterPattern, value);
  });
}

export function matchesAnyFilterPattern(patterns: readonly FilterPattern[], subject: unknown): boolean {
  return patterns.length === 0 || patterns.some((pattern) => matchesFilterPattern(pattern, subject));
}
