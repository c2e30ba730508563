/**
 * Execution segments, as k6 defines them (lib/execution_segment.go): how one instance of a
 * segmented run (`--execution-segment 1/2:1 --execution-segment-sequence 0,1/2,1`) computes its
 * exact share of VUs, iterations and arrivals, without talking to the other instances.
 *
 * Rationals are kept as integer pairs; the denominators of real segment sequences are small.
 */

/** A non-negative rational number n/d in lowest terms, d > 0. */
export interface Rational {
  readonly n: number;
  readonly d: number;
}

function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** Builds n/d in lowest terms. */
export function rational(n: number, d = 1): Rational {
  if (d === 0) throw new RangeError('denominator is 0');
  const sign = d < 0 ? -1 : 1;
  const divisor = gcd(n, d) || 1;
  return { n: (sign * n) / divisor, d: (sign * d) / divisor };
}

function compare(a: Rational, b: Rational): number {
  return a.n * b.d - b.n * a.d;
}

function subtract(a: Rational, b: Rational): Rational {
  return rational(a.n * b.d - b.n * a.d, a.d * b.d);
}

function ratString(r: Rational): string {
  return r.d === 1 ? String(r.n) : `${r.n}/${r.d}`;
}

/** Parses `50%`, `0.5` or `1/2` into a rational (k6's stringToRat). */
export function parseRational(text: string): Rational {
  const trimmed = text.trim();
  if (trimmed.endsWith('%')) {
    const body = trimmed.slice(0, -1);
    if (!/^\d+$/.test(body)) throw new SegmentError(`'${text}' is not a valid percentage`);
    return rational(Number(body), 100);
  }
  const fraction = /^(\d+)\/(\d+)$/.exec(trimmed);
  if (fraction) {
    if (Number(fraction[2]) === 0) throw new SegmentError(`'${text}' has a zero denominator`);
    return rational(Number(fraction[1]), Number(fraction[2]));
  }
  const decimal = /^(\d*)(?:\.(\d*))?$/.exec(trimmed);
  if (decimal && trimmed !== '' && trimmed !== '.') {
    const digits = decimal[2] ?? '';
    return rational(Number(`${decimal[1] || '0'}${digits}`), 10 ** digits.length);
  }
  throw new SegmentError(`'${text}' is not a valid percentage, decimal, fraction or interval value`);
}

/** An invalid segment or sequence; the engine turns it into an invalid-options error (exit 104). */
export class SegmentError extends Error {
  override readonly name = 'SegmentError';
}

/** The (from, to] part of the whole test that one instance runs. */
export interface ExecutionSegment {
  readonly from: Rational;
  readonly to: Rational;
  readonly length: Rational;
}

/** Builds a segment, checking 0 ≤ from < to ≤ 1. */
export function executionSegment(from: Rational, to: Rational): ExecutionSegment {
  if (from.n < 0) throw new SegmentError(`segment start value should be at least 0 but was ${ratString(from)}`);
  if (compare(from, to) >= 0)
    throw new SegmentError(`segment start (${ratString(from)}) should be less than its end (${ratString(to)})`);
  if (compare(to, rational(1)) > 0)
    throw new SegmentError(`segment end value shouldn't be more than 1 but was ${ratString(to)}`);
  return { from, to, length: subtract(to, from) };
}

/** Parses `0:1/2`, `1/2:1`, `50%:100%`, or a single value `v` meaning `0:v`; empty means the whole test. */
export function parseExecutionSegment(text: string | undefined): ExecutionSegment {
  const value = text === undefined || text.trim() === '' ? '1' : text.trim();
  if (value.includes(':')) {
    const [from, to] = value.split(':', 2) as [string, string];
    return executionSegment(parseRational(from), parseRational(to));
  }
  return executionSegment(rational(0), parseRational(value));
}

/** Formats a segment as k6 does: `1/2:1`. */
export function formatSegment(segment: ExecutionSegment): string {
  return `${ratString(segment.from)}:${ratString(segment.to)}`;
}

function sameSegment(a: ExecutionSegment, b: ExecutionSegment): boolean {
  return compare(a.from, b.from) === 0 && compare(a.to, b.to) === 0;
}

/** Parses `r1,r2,...,rn` into consecutive segments; empty means none. */
export function parseSegmentSequence(text: string | undefined): ExecutionSegment[] {
  if (text === undefined || text.trim() === '') return [];
  const points = text.split(',').map(parseRational);
  if (points.length < 2)
    throw new SegmentError(`at least 2 points are needed for an execution segment sequence, ${points.length} given`);
  const segments: ExecutionSegment[] = [];
  for (let i = 1; i < points.length; i += 1)
    segments.push(executionSegment(points[i - 1] as Rational, points[i] as Rational));
  return segments;
}

/** Fills gaps so the sequence covers 0..1 (k6's GetFilledExecutionSegmentSequence). */
export function filledSequence(
  sequence: readonly ExecutionSegment[],
  segment: ExecutionSegment | undefined,
): ExecutionSegment[] {
  let result: ExecutionSegment[];
  if (sequence.length === 0) {
    if (!segment || compare(segment.length, rational(1)) === 0) return [executionSegment(rational(0), rational(1))];
    result = [segment];
  } else {
    result = [...sequence];
  }
  const first = result[0] as ExecutionSegment;
  if (first.from.n !== 0) result.unshift(executionSegment(rational(0), first.from));
  const last = result[result.length - 1] as ExecutionSegment;
  if (compare(last.to, rational(1)) !== 0) result.push(executionSegment(last.to, rational(1)));
  return result;
}

/**
 * A full segment sequence with its striped offsets: for each segment, which indexes of every
 * LCD-long block of work belong to it, spread as evenly as possible (k6's
 * ExecutionSegmentSequenceWrapper).
 */
export class SegmentSequence {
  readonly segments: readonly ExecutionSegment[];
  readonly lcd: number;
  /** Per segment: [start, ...offsets from one index to the next, wrapping around the block]. */
  private readonly offsets: number[][];

  constructor(segments: readonly ExecutionSegment[]) {
    const first = segments[0];
    const last = segments[segments.length - 1];
    if (!first || !last || first.from.n !== 0 || compare(last.to, rational(1)) !== 0) {
      throw new SegmentError('the execution segment sequence must cover 0 to 1');
    }
    for (let i = 1; i < segments.length; i += 1) {
      if (compare((segments[i] as ExecutionSegment).from, (segments[i - 1] as ExecutionSegment).to) !== 0) {
        throw new SegmentError(`segment #${i} must start where the previous one ends`);
      }
    }
    this.segments = segments;
    let lcd = first.length.d;
    for (const segment of segments.slice(1)) lcd = (lcd * segment.length.d) / gcd(lcd, segment.length.d);
    this.lcd = lcd;

    const normalized = segments.map((segment, index) => ({
      numerator: segment.length.n * (lcd / segment.length.d),
      index,
    }));
    const sorted = [...normalized].sort((a, b) => b.numerator - a.numerator); // stable in V8
    const offsets: number[][] = segments.map(() => []);
    const previous = segments.map(() => 0);
    const chosen = segments.map(() => 0);
    for (let i = 0; i < lcd; i += 1) {
      for (let s = 0; s < sorted.length; s += 1) {
        const { numerator, index } = sorted[s] as { numerator: number; index: number };
        const num = (chosen[s] as number) * lcd;
        const quotient = Math.floor(num / numerator);
        if (i > quotient || (i === quotient && num % numerator === 0)) {
          chosen[s] = (chosen[s] as number) + 1;
          const list = offsets[index] as number[];
          list.push(i - (previous[index] as number));
          previous[index] = i;
          if (list.length === numerator) list.push((list[0] as number) + lcd - i);
          break;
        }
      }
    }
    this.offsets = offsets;
  }

  /** The index of `segment` in this sequence; throws if it is not one of its segments. */
  indexOf(segment: ExecutionSegment): number {
    const index = this.segments.findIndex((candidate) => sameSegment(candidate, segment));
    if (index < 0) {
      throw new SegmentError(
        `execution segment ${formatSegment(segment)} is not in the sequence ${this.segments.map(formatSegment).join(', ')}`,
      );
    }
    return index;
  }

  /** Segment `index`'s share of the integer `value`; the shares of all segments add up to `value`. */
  scale(index: number, value: number): number {
    if (this.segments.length === 1) return value;
    const [start, ...steps] = this.offsets[index] as number[];
    let result = Math.floor(value / this.lcd) * steps.length;
    const rest = value % this.lcd;
    for (let step = 0, at = start as number; at < rest; at += steps[step] as number, step += 1) result += 1;
    return result;
  }

  /** The first index of segment `index` and the steps between its following indexes. */
  stripedOffsets(index: number): { start: number; steps: readonly number[] } {
    const [start, ...steps] = this.offsets[index] as number[];
    return { start: start as number, steps };
  }
}

/**
 * One instance's place in a segmented run: the full sequence and this instance's segment in it
 * (k6's ExecutionTuple).
 */
export class ExecutionTuple {
  constructor(
    readonly sequence: SegmentSequence,
    readonly index: number,
  ) {}

  /** Builds the tuple for `segment` (default 0:1) within `sequence` (default: just the segment). */
  static from(segment?: ExecutionSegment, sequence: readonly ExecutionSegment[] = []): ExecutionTuple {
    const filled = new SegmentSequence(filledSequence(sequence, segment));
    const wanted = segment ?? executionSegment(rational(0), rational(1));
    return new ExecutionTuple(filled, filled.indexOf(wanted));
  }

  /** This instance's segment. */
  get segment(): ExecutionSegment {
    return this.sequence.segments[this.index] as ExecutionSegment;
  }

  /** This instance's share of `value` (VUs, iterations). */
  scale(value: number): number {
    return this.sequence.scale(this.index, value);
  }

  /**
   * Re-segments by how `value` (e.g. maxVUs) splits over the instances, so work is shared in
   * proportion to what each instance got (k6's GetNewExecutionTupleFromValue). Throws when this
   * instance gets none of `value`.
   */
  retupleByValue(value: number): ExecutionTuple {
    if (value < 1) throw new SegmentError(`cannot generate a new sequence for value ${value}`);
    if (value % this.sequence.lcd === 0) return this;
    const segments: ExecutionSegment[] = [];
    let newIndex = -1;
    let previous = 0;
    this.sequence.segments.forEach((_, i) => {
      const share = this.sequence.scale(i, value);
      if (share === 0) return;
      if (i === this.index) newIndex = segments.length;
      segments.push(executionSegment(rational(previous, value), rational(previous + share, value)));
      previous += share;
    });
    if (newIndex < 0) throw new SegmentError(`segment ${formatSegment(this.segment)} gets none of ${value}`);
    return new ExecutionTuple(new SegmentSequence(segments), newIndex);
  }
}

/**
 * Walks this instance's indexes of a striped sequence: each `next()` gives the local (scaled)
 * count and the global (unscaled) index, both starting at 1 (k6's SegmentedIndex).
 */
export class SegmentedIndex {
  private scaled = 0;
  private unscaled = 0;
  private readonly start: number;
  private readonly steps: readonly number[];

  constructor(tuple: ExecutionTuple) {
    const { start, steps } = tuple.sequence.stripedOffsets(tuple.index);
    this.start = start;
    this.steps = steps;
  }

  /** Advances; returns [scaled, unscaled], both 1-based. */
  next(): [number, number] {
    if (this.scaled === 0) this.unscaled += this.start + 1;
    else this.unscaled += this.steps[(this.scaled - 1) % this.steps.length] as number;
    this.scaled += 1;
    return [this.scaled, this.unscaled];
  }
}
