import { describe, expect, it } from 'vitest';
import { counterHitsFor, SubmissionsSeenHere } from '../../shared/domain/rate-limit.ts';

describe('SubmissionsSeenHere', () => {
  it('counts submissions per bucket, and forgets every bucket when the minute turns', () => {
    const seen = new SubmissionsSeenHere();
    expect([seen.add('form#a', 100), seen.add('form#a', 100), seen.add('form#b', 100), seen.add('form#a', 100)]).toEqual([1, 2, 1, 3]);
    expect([seen.add('form#a', 101), seen.add('form#b', 101)]).toEqual([1, 1]);
  });

  it('past its capacity remembers no new bucket, and keeps counting the ones it has', () => {
    const seen = new SubmissionsSeenHere(2);
    expect([seen.add('a', 7), seen.add('b', 7), seen.add('c', 7), seen.add('c', 7), seen.add('a', 7)]).toEqual([1, 1, undefined, undefined, 2]);
    expect(new SubmissionsSeenHere(0).add('a', 7)).toBeUndefined();
  });
});

describe('counterHitsFor', () => {
  it('lets the first through uncounted, brings it along with the second, and counts the rest one by one', () => {
    expect([1, 2, 3, 10].map((seen) => counterHitsFor(seen, 10))).toEqual(['first', 2, 1, 1]);
  });

  it('refuses without the counter once this process alone has seen more than the limit', () => {
    expect(counterHitsFor(11, 10)).toBe('over');
    expect([counterHitsFor(1, 1), counterHitsFor(2, 1)]).toEqual(['first', 'over']);
  });

  it('counts every submission of a bucket it does not remember', () => {
    expect(counterHitsFor(undefined, 10)).toBe(1);
  });
});
