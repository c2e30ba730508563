/**
 * A small PromQL engine for the live page without Prometheus: the subset the generated
 * dashboards and recording rules use (selectors with matchers and ranges; sum, max, min, avg,
 * count, topk, bottomk by/without; arithmetic, comparison and set operators with on/ignoring and
 * group_left/group_right; rate, increase, changes, last_over_time, avg_over_time, max_over_time,
 * histogram_quantile, scalar, vector, time, clamp_min, abs). Anything else is a parse error that
 * names it, so a new panel query never draws a silently wrong line.
 *
 * Semantics follow Prometheus 2.42 (promql/engine.go, promql/functions.go, promql/quantile.go):
 * range windows [t − range, t], a 5 minute lookback for instant selectors ended early by stale
 * markers, extrapolated rate/increase with counter resets, the metric name dropped by arithmetic
 * and most functions. Pure: samples come from a {@link SampleSource}.
 *
 * Over 400 lines on purpose: one evaluator: lexer, parser and evaluation share the AST types and the label-matching rules, and the subset is read as a whole against PromQL’s grammar; split it when the subset grows (lexer+parser / functions / binary operators).
 */

/** A label set, `__name__` included. */
export type Labels = Readonly<Record<string, string>>;

/** One series read from storage: its labels and its samples in time order (ms, value; NaN = stale marker). */
export interface StoredSeries {
  readonly labels: Labels;
  readonly times: readonly number[];
  readonly values: readonly number[];
}

/** Where selectors read samples from. */
export interface SampleSource {
  /** Series named `name` (every series when undefined) whose labels may match; matchers are checked again here. */
  series(name: string | undefined): readonly StoredSeries[];
}

/** A label matcher. */
export interface Matcher {
  readonly label: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

/** Syntax tree of the supported subset. */
export type Expr =
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | {
      readonly type: 'selector';
      readonly name: string | undefined;
      readonly matchers: readonly Matcher[];
      readonly rangeMs?: number;
    }
  | { readonly type: 'call'; readonly func: string; readonly args: readonly Expr[] }
  | {
      readonly type: 'aggregate';
      readonly op: string;
      readonly grouping: readonly string[];
      readonly without: boolean;
      readonly param?: Expr;
      readonly expr: Expr;
    }
  | {
      readonly type: 'binary';
      readonly op: string;
      readonly bool: boolean;
      readonly matching?: {
        readonly on: boolean;
        readonly labels: readonly string[];
        readonly group?: 'left' | 'right';
        readonly include: readonly string[];
      };
      readonly lhs: Expr;
      readonly rhs: Expr;
    }
  | { readonly type: 'negate'; readonly expr: Expr };

/** An instant vector element. */
export interface VectorSample {
  readonly labels: Labels;
  readonly value: number;
}

/** What an expression evaluates to at one time. */
export type Value =
  | { readonly kind: 'scalar'; readonly value: number }
  | { readonly kind: 'vector'; readonly samples: readonly VectorSample[] }
  | { readonly kind: 'matrix'; readonly series: ReadonlyArray<{ labels: Labels; times: number[]; values: number[] }> }
  | { readonly kind: 'string'; readonly value: string };

/** A query the engine cannot parse or evaluate; the message names the construct. */
export class PromqlError extends Error {
  override readonly name = 'PromqlError';
}

/** Prometheus's default lookback for instant selectors. */
export const LOOKBACK_MS = 5 * 60 * 1000;

const AGGREGATES = new Set(['sum', 'max', 'min', 'avg', 'count', 'topk', 'bottomk', 'group']);
const FUNCTIONS = new Set([
  'rate',
  'increase',
  'changes',
  'last_over_time',
  'avg_over_time',
  'max_over_time',
  'min_over_time',
  'histogram_quantile',
  'scalar',
  'vector',
  'time',
  'clamp_min',
  'clamp_max',
  'abs',
]);
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
]);

// ---------------------------------------------------------------------------------------------
// Lexer

type Token =
  | { kind: 'ident'; text: string }
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'duration'; ms: number }
  | { kind: 'op'; text: string }
  | { kind: 'end' };

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

function lex(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let inBrackets = false;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    if (c === '#') {
      while (i < source.length && source[i] !== '\n') i += 1;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      let text = '';
      while (j < source.length && source[j] !== c) {
        if (source[j] === '\\' && c !== '`') {
          const next = source[j + 1] ?? '';
          text += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          j += 2;
        } else {
          text += source[j];
          j += 1;
        }
      }
      if (j >= source.length) throw new PromqlError(`unterminated string at ${i}`);
      tokens.push({ kind: 'string', value: text });
      i = j + 1;
      continue;
    }
    if (inBrackets && /[0-9]/.test(c)) {
      const match = /^((?:\d+(?:ms|[smhdwy]))+)/.exec(source.slice(i));
      if (!match) throw new PromqlError(`bad duration at ${i}: ${source.slice(i, i + 10)}`);
      let ms = 0;
      for (const part of match[1]!.matchAll(/(\d+)(ms|[smhdwy])/g)) ms += Number(part[1]) * DURATION_UNITS[part[2]!]!;
      tokens.push({ kind: 'duration', ms });
      i += match[1]!.length;
      continue;
    }
    const number = /^(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(source.slice(i));
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    const ident = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(source.slice(i));
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0] });
      i += ident[0].length;
      continue;
    }
    const op = /^(?:==|!=|=~|!~|>=|<=|[-+*/%^(){}[\],=<>])/.exec(source.slice(i));
    if (op) {
      if (op[0] === '[') inBrackets = true;
      if (op[0] === ']') inBrackets = false;
      tokens.push({ kind: 'op', text: op[0] });
      i += op[0].length;
      continue;
    }
    throw new PromqlError(`unexpected character "${c}" at ${i}`);
  }
  tokens.push({ kind: 'end' });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Parser (precedence climbing, as promql/parser)

const PRECEDENCE: Record<string, number> = {
  or: 1,
  and: 2,
  unless: 2,
  '==': 3,
  '!=': 3,
  '<': 3,
  '>': 3,
  '<=': 3,
  '>=': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  '^': 6,
};
const COMPARISONS = new Set(['==', '!=', '<', '>', '<=', '>=']);
const SET_OPERATORS = new Set(['and', 'or', 'unless']);

/** Parses a PromQL expression of the supported subset; throws {@link PromqlError}. */
export function parsePromql(source: string): Expr {
  const tokens = lex(source);
  let position = 0;
  const peek = (): Token => tokens[position]!;
  const next = (): Token => tokens[position++]!;
  const isOp = (text: string): boolean => {
    const token = peek();
    return token.kind === 'op' && token.text === text;
  };
  const isIdent = (text: string): boolean => {
    const token = peek();
    return token.kind === 'ident' && token.text === text;
  };
  const expect = (text: string): void => {
    const token = next();
    if (!(token.kind === 'op' && token.text === text)) throw new PromqlError(`expected "${text}" in ${source}`);
  };
  const labelList = (): string[] => {
    expect('(');
    const labels: string[] = [];
    while (!isOp(')')) {
      const token = next();
      if (token.kind !== 'ident') throw new PromqlError(`expected a label name in ${source}`);
      labels.push(token.text);
      if (isOp(',')) next();
    }
    expect(')');
    return labels;
  };
  const binaryOperator = (): string | undefined => {
    const token = peek();
    if (token.kind === 'op' && PRECEDENCE[token.text] !== undefined) return token.text;
    if (token.kind === 'ident' && SET_OPERATORS.has(token.text)) return token.text;
    return undefined;
  };

  const parseExpr = (minPrecedence: number): Expr => {
    let lhs = parseUnary();
    for (;;) {
      const op = binaryOperator();
      if (op === undefined) break;
      const precedence = PRECEDENCE[op]!;
      if (precedence < minPrecedence) break;
      next();
      let bool = false;
      if (isIdent('bool')) {
        next();
        bool = true;
      }
      let matching: Extract<Expr, { type: 'binary' }>['matching'];
      if (isIdent('on') || isIdent('ignoring')) {
        const on = (next() as { text: string }).text === 'on';
        const labels = labelList();
        let group: 'left' | 'right' | undefined;
        let include: string[] = [];
        if (isIdent('group_left') || isIdent('group_right')) {
          group = (next() as { text: string }).text === 'group_left' ? 'left' : 'right';
          if (isOp('(')) include = labelList();
        }
        matching = { on, labels, include, ...(group ? { group } : {}) };
      }
      // ^ is right-associative; everything else left.
      const rhs = parseExpr(op === '^' ? precedence : precedence + 1);
      lhs = { type: 'binary', op, bool, lhs, rhs, ...(matching ? { matching } : {}) };
    }
    return lhs;
  };

  const parseUnary = (): Expr => {
    if (isOp('-')) {
      next();
      return { type: 'negate', expr: parseUnary() };
    }
    if (isOp('+')) {
      next();
      return parseUnary();
    }
    return parsePostfix(parsePrimary());
  };

  const parsePostfix = (expr: Expr): Expr => {
    if (isOp('[')) {
      next();
      const token = next();
      if (token.kind !== 'duration') throw new PromqlError(`expected a duration in ${source}`);
      expect(']');
      if (expr.type !== 'selector') throw new PromqlError(`subqueries are not supported: ${source}`);
      return { ...expr, rangeMs: token.ms };
    }
    if (isIdent('offset')) throw new PromqlError(`offset is not supported: ${source}`);
    return expr;
  };

  const parseMatchers = (): Matcher[] => {
    expect('{');
    const matchers: Matcher[] = [];
    while (!isOp('}')) {
      const label = next();
      if (label.kind !== 'ident') throw new PromqlError(`expected a label name in ${source}`);
      const op = next();
      if (op.kind !== 'op' || !['=', '!=', '=~', '!~'].includes(op.text))
        throw new PromqlError(`expected a matcher operator in ${source}`);
      const value = next();
      if (value.kind !== 'string') throw new PromqlError(`expected a string in ${source}`);
      matchers.push({ label: label.text, op: op.text as Matcher['op'], value: value.value });
      if (isOp(',')) next();
    }
    expect('}');
    return matchers;
  };

  const parseArgs = (): Expr[] => {
    expect('(');
    const args: Expr[] = [];
    while (!isOp(')')) {
      args.push(parseExpr(0));
      if (isOp(',')) next();
      else break;
    }
    expect(')');
    return args;
  };

  const parsePrimary = (): Expr => {
    const token = next();
    if (token.kind === 'number') return { type: 'number', value: token.value };
    if (token.kind === 'string') return { type: 'string', value: token.value };
    if (token.kind === 'op' && token.text === '(') {
      const inner = parseExpr(0);
      expect(')');
      return inner;
    }
    if (token.kind === 'op' && token.text === '{') {
      position -= 1;
      return { type: 'selector', name: undefined, matchers: parseMatchers() };
    }
    if (token.kind !== 'ident') throw new PromqlError(`unexpected token in ${source}`);
    const word = token.text;
    if (/^(inf|nan)$/i.test(word)) return { type: 'number', value: word.toLowerCase() === 'inf' ? Infinity : NaN };
    if (AGGREGATES.has(word) && (isOp('(') || isIdent('by') || isIdent('without'))) {
      let grouping: string[] = [];
      let without = false;
      if (isIdent('by') || isIdent('without')) {
        without = (next() as { text: string }).text === 'without';
        grouping = labelList();
      }
      const args = parseArgs();
      if (isIdent('by') || isIdent('without')) {
        without = (next() as { text: string }).text === 'without';
        grouping = labelList();
      }
      const takesParam = word === 'topk' || word === 'bottomk';
      if (args.length !== (takesParam ? 2 : 1))
        throw new PromqlError(`${word} takes ${takesParam ? 2 : 1} argument(s): ${source}`);
      return {
        type: 'aggregate',
        op: word,
        grouping,
        without,
        expr: args[takesParam ? 1 : 0]!,
        ...(takesParam ? { param: args[0]! } : {}),
      };
    }
    if (isOp('(')) {
      if (!FUNCTIONS.has(word))
        throw new PromqlError(`function ${word}() is not supported by the live page's own evaluator: ${source}`);
      return { type: 'call', func: word, args: parseArgs() };
    }
    if (KEYWORDS.has(word)) throw new PromqlError(`unexpected "${word}" in ${source}`);
    return { type: 'selector', name: word, matchers: isOp('{') ? parseMatchers() : [] };
  };

  const expr = parseExpr(0);
  if (peek().kind !== 'end') throw new PromqlError(`unexpected text after the expression in ${source}`);
  return expr;
}

/** The metric names an expression's selectors read. */
export function selectorNames(expr: Expr): string[] {
  const names = new Set<string>();
  const walk = (node: Expr): void => {
    switch (node.type) {
      case 'selector':
        if (node.name) names.add(node.name);
        break;
      case 'call':
        node.args.forEach(walk);
        break;
      case 'aggregate':
        if (node.param) walk(node.param);
        walk(node.expr);
        break;
      case 'binary':
        walk(node.lhs);
        walk(node.rhs);
        break;
      case 'negate':
        walk(node.expr);
        break;
      default:
        break;
    }
  };
  walk(expr);
  return [...names];
}

// ---------------------------------------------------------------------------------------------
// Evaluation

const regexCache = new Map<string, RegExp>();
function anchored(pattern: string): RegExp {
  let regex = regexCache.get(pattern);
  if (!regex) {
    regex = new RegExp(`^(?:${pattern})$`, 's');
    regexCache.set(pattern, regex);
  }
  return regex;
}

/** True when `labels` satisfy every matcher (a missing label reads as ""). */
export function matches(labels: Labels, matchers: readonly Matcher[]): boolean {
  for (const matcher of matchers) {
    const value = labels[matcher.label] ?? '';
    switch (matcher.op) {
      case '=':
        if (value !== matcher.value) return false;
        break;
      case '!=':
        if (value === matcher.value) return false;
        break;
      case '=~':
        if (!anchored(matcher.value).test(value)) return false;
        break;
      case '!~':
        if (anchored(matcher.value).test(value)) return false;
        break;
    }
  }
  return true;
}

function withoutName(labels: Labels): Labels {
  if (!('__name__' in labels)) return labels;
  const { __name__: _dropped, ...rest } = labels;
  return rest;
}

function signature(labels: Labels, on: boolean, names: readonly string[]): string {
  const keys = on
    ? [...names].sort()
    : Object.keys(labels)
        .filter((key) => key !== '__name__' && !names.includes(key))
        .sort();
  return keys.map((key) => `${key}\u0000${labels[key] ?? ''}`).join('\u0001');
}

/** Stable text of a label set, for maps. */
export function labelsKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((key) => `${key}\u0000${labels[key]}`)
    .join('\u0001');
}

/** First index with times[index] >= t (binary search). */
function lowerBound(times: readonly number[], t: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (times[mid]! < t) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Evaluates `expr` at time `t` (ms) over `source`. */
export function evaluate(expr: Expr, t: number, source: SampleSource): Value {
  switch (expr.type) {
    case 'number':
      return { kind: 'scalar', value: expr.value };
    case 'string':
      return { kind: 'string', value: expr.value };
    case 'negate': {
      const inner = evaluate(expr.expr, t, source);
      if (inner.kind === 'scalar') return { kind: 'scalar', value: -inner.value };
      return {
        kind: 'vector',
        samples: asVector(inner).map((sample) => ({ labels: withoutName(sample.labels), value: -sample.value })),
      };
    }
    case 'selector':
      return expr.rangeMs === undefined ? instantSelect(expr, t, source) : rangeSelect(expr, t, source);
    case 'call':
      return call(expr.func, expr.args, t, source);
    case 'aggregate':
      return aggregate(expr, t, source);
    case 'binary':
      return binary(expr, t, source);
  }
}

function asVector(value: Value): readonly VectorSample[] {
  if (value.kind !== 'vector') throw new PromqlError(`expected an instant vector, got a ${value.kind}`);
  return value.samples;
}

function asScalar(value: Value): number {
  if (value.kind !== 'scalar') throw new PromqlError(`expected a scalar, got a ${value.kind}`);
  return value.value;
}

function selected(expr: Extract<Expr, { type: 'selector' }>, source: SampleSource): StoredSeries[] {
  const nameMatcher = expr.matchers.find((matcher) => matcher.label === '__name__' && matcher.op === '=');
  const name = expr.name ?? nameMatcher?.value;
  return source.series(name).filter((series) => matches(series.labels, expr.matchers));
}

function instantSelect(expr: Extract<Expr, { type: 'selector' }>, t: number, source: SampleSource): Value {
  const samples: VectorSample[] = [];
  for (const series of selected(expr, source)) {
    const end = lowerBound(series.times, t + 1) - 1;
    if (end < 0) continue;
    const time = series.times[end]!;
    const value = series.values[end]!;
    if (t - time > LOOKBACK_MS || isStale(value)) continue;
    samples.push({ labels: series.labels, value });
  }
  return { kind: 'vector', samples };
}

/** Stale markers are a NaN with this bit pattern in Prometheus; here any stored NaN marks staleness. */
function isStale(value: number): boolean {
  return Number.isNaN(value);
}

function rangeSelect(expr: Extract<Expr, { type: 'selector' }>, t: number, source: SampleSource): Value {
  const start = t - expr.rangeMs!;
  const series: Array<{ labels: Labels; times: number[]; values: number[] }> = [];
  for (const stored of selected(expr, source)) {
    const from = lowerBound(stored.times, start);
    const to = lowerBound(stored.times, t + 1);
    const times: number[] = [];
    const values: number[] = [];
    for (let index = from; index < to; index += 1) {
      const value = stored.values[index]!;
      if (isStale(value)) continue;
      times.push(stored.times[index]!);
      values.push(value);
    }
    if (times.length > 0) series.push({ labels: stored.labels, times, values });
  }
  return { kind: 'matrix', series };
}

function call(func: string, args: readonly Expr[], t: number, source: SampleSource): Value {
  const arg = (index: number): Value => {
    const node = args[index];
    if (!node) throw new PromqlError(`${func}() is missing argument ${index + 1}`);
    return evaluate(node, t, source);
  };
  switch (func) {
    case 'time':
      return { kind: 'scalar', value: t / 1000 };
    case 'vector':
      return { kind: 'vector', samples: [{ labels: {}, value: asScalar(arg(0)) }] };
    case 'scalar': {
      const samples = asVector(arg(0));
      return { kind: 'scalar', value: samples.length === 1 ? samples[0]!.value : NaN };
    }
    case 'abs':
    case 'clamp_min':
    case 'clamp_max': {
      const samples = asVector(arg(0));
      const bound = func === 'abs' ? 0 : asScalar(arg(1));
      const apply = (value: number): number =>
        func === 'abs' ? Math.abs(value) : func === 'clamp_min' ? Math.max(value, bound) : Math.min(value, bound);
      return {
        kind: 'vector',
        samples: samples.map((sample) => ({ labels: withoutName(sample.labels), value: apply(sample.value) })),
      };
    }
    case 'histogram_quantile': {
      const q = asScalar(arg(0));
      return { kind: 'vector', samples: histogramQuantile(q, asVector(arg(1))) };
    }
    default: {
      const node = args[0];
      if (!node || node.type !== 'selector' || node.rangeMs === undefined)
        throw new PromqlError(`${func}() needs a range selector`);
      const matrix = arg(0);
      if (matrix.kind !== 'matrix') throw new PromqlError(`${func}() needs a range vector`);
      const samples: VectorSample[] = [];
      for (const series of matrix.series) {
        const value = overTime(func, series.times, series.values, t - node.rangeMs, t);
        if (value === undefined) continue;
        samples.push({ labels: func === 'last_over_time' ? series.labels : withoutName(series.labels), value });
      }
      return { kind: 'vector', samples };
    }
  }
}

/** One range function over the samples of one series in [start, end]. */
function overTime(
  func: string,
  times: readonly number[],
  values: readonly number[],
  start: number,
  end: number,
): number | undefined {
  const n = values.length;
  switch (func) {
    case 'rate':
    case 'increase':
      return extrapolatedRate(times, values, start, end, func === 'rate');
    case 'changes': {
      let changes = 0;
      for (let index = 1; index < n; index += 1) if (values[index] !== values[index - 1]) changes += 1;
      return changes;
    }
    case 'last_over_time':
      return values[n - 1];
    case 'avg_over_time':
      return values.reduce((sum, value) => sum + value, 0) / n;
    case 'max_over_time':
      return Math.max(...values);
    case 'min_over_time':
      return Math.min(...values);
    default:
      throw new PromqlError(`function ${func}() is not supported by the live page's own evaluator`);
  }
}

/** promql/functions.go extrapolatedRate, for counters. */
function extrapolatedRate(
  times: readonly number[],
  values: readonly number[],
  rangeStart: number,
  rangeEnd: number,
  isRate: boolean,
): number | undefined {
  const n = values.length;
  if (n < 2) return undefined;
  let result = values[n - 1]! - values[0]!;
  for (let index = 1; index < n; index += 1) if (values[index]! < values[index - 1]!) result += values[index - 1]!;
  const firstT = times[0]!;
  const lastT = times[n - 1]!;
  const durationToStart = (firstT - rangeStart) / 1000;
  const durationToEnd = (rangeEnd - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);
  let startDuration = durationToStart;
  if (result > 0 && values[0]! >= 0) {
    const durationToZero = sampledInterval * (values[0]! / result);
    if (durationToZero < startDuration) startDuration = durationToZero;
  }
  const threshold = averageDurationBetweenSamples * 1.1;
  let extrapolateToInterval = sampledInterval;
  extrapolateToInterval += startDuration < threshold ? startDuration : averageDurationBetweenSamples / 2;
  extrapolateToInterval += durationToEnd < threshold ? durationToEnd : averageDurationBetweenSamples / 2;
  result *= extrapolateToInterval / sampledInterval;
  if (isRate) result /= (rangeEnd - rangeStart) / 1000;
  return result;
}

/** promql/quantile.go bucketQuantile over classic `le` buckets, grouped by every other label. */
function histogramQuantile(q: number, samples: readonly VectorSample[]): VectorSample[] {
  const groups = new Map<string, { labels: Labels; buckets: Array<{ upper: number; count: number }> }>();
  for (const sample of samples) {
    const le = sample.labels.le;
    if (le === undefined) continue;
    const { le: _le, ...rest } = withoutName(sample.labels);
    const key = labelsKey(rest);
    let group = groups.get(key);
    if (!group) {
      group = { labels: rest, buckets: [] };
      groups.set(key, group);
    }
    group.buckets.push({ upper: le === '+Inf' ? Infinity : Number(le), count: sample.value });
  }
  const out: VectorSample[] = [];
  for (const group of groups.values()) out.push({ labels: group.labels, value: bucketQuantile(q, group.buckets) });
  return out;
}

function bucketQuantile(q: number, unsorted: Array<{ upper: number; count: number }>): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const buckets = [...unsorted].sort((a, b) => a.upper - b.upper);
  if (buckets.length < 2 || buckets[buckets.length - 1]!.upper !== Infinity) return NaN;
  for (let index = 1; index < buckets.length; index += 1) {
    if (buckets[index]!.count < buckets[index - 1]!.count)
      buckets[index] = { ...buckets[index]!, count: buckets[index - 1]!.count };
  }
  const observations = buckets[buckets.length - 1]!.count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  let b = buckets.findIndex((bucket) => bucket.count >= rank);
  if (b < 0) b = buckets.length - 1;
  if (b === buckets.length - 1) return buckets[buckets.length - 2]!.upper;
  if (b === 0 && buckets[0]!.upper <= 0) return buckets[0]!.upper;
  let bucketStart = 0;
  const bucketEnd = buckets[b]!.upper;
  let count = buckets[b]!.count;
  if (b > 0) {
    bucketStart = buckets[b - 1]!.upper;
    count -= buckets[b - 1]!.count;
    rank -= buckets[b - 1]!.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

function aggregate(expr: Extract<Expr, { type: 'aggregate' }>, t: number, source: SampleSource): Value {
  const samples = asVector(evaluate(expr.expr, t, source));
  const groupLabels = (labels: Labels): Labels => {
    const out: Record<string, string> = {};
    if (expr.without) {
      for (const [key, value] of Object.entries(labels))
        if (key !== '__name__' && !expr.grouping.includes(key)) out[key] = value;
    } else {
      for (const key of expr.grouping) if (labels[key] !== undefined && labels[key] !== '') out[key] = labels[key]!;
    }
    return out;
  };
  const groups = new Map<string, { labels: Labels; members: VectorSample[] }>();
  for (const sample of samples) {
    const labels = groupLabels(sample.labels);
    const key = labelsKey(labels);
    let group = groups.get(key);
    if (!group) {
      group = { labels, members: [] };
      groups.set(key, group);
    }
    group.members.push(sample);
  }
  const out: VectorSample[] = [];
  if (expr.op === 'topk' || expr.op === 'bottomk') {
    const k = Math.floor(asScalar(evaluate(expr.param!, t, source)));
    for (const group of groups.values()) {
      const sorted = [...group.members].sort((a, b) => {
        // NaN sorts last for both, as in Prometheus
        if (Number.isNaN(a.value)) return 1;
        if (Number.isNaN(b.value)) return -1;
        return expr.op === 'topk' ? b.value - a.value : a.value - b.value;
      });
      out.push(...sorted.slice(0, Math.max(0, k)));
    }
    return { kind: 'vector', samples: out };
  }
  for (const group of groups.values()) {
    const values = group.members.map((member) => member.value);
    let value: number;
    switch (expr.op) {
      case 'sum':
        value = values.reduce((sum, v) => sum + v, 0);
        break;
      case 'avg':
        value = values.reduce((sum, v) => sum + v, 0) / values.length;
        break;
      case 'count':
        value = values.length;
        break;
      case 'group':
        value = 1;
        break;
      case 'max':
        value = values.reduce((max, v) => (Number.isNaN(max) || v > max ? v : max), NaN);
        break;
      case 'min':
        value = values.reduce((min, v) => (Number.isNaN(min) || v < min ? v : min), NaN);
        break;
      default:
        throw new PromqlError(`aggregation ${expr.op} is not supported`);
    }
    out.push({ labels: group.labels, value });
  }
  return { kind: 'vector', samples: out };
}

function arithmetic(op: string, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a % b;
    case '^':
      return a ** b;
    case '==':
      return a === b ? 1 : 0;
    case '!=':
      return a !== b ? 1 : 0;
    case '<':
      return a < b ? 1 : 0;
    case '>':
      return a > b ? 1 : 0;
    case '<=':
      return a <= b ? 1 : 0;
    case '>=':
      return a >= b ? 1 : 0;
    default:
      throw new PromqlError(`operator ${op} is not supported`);
  }
}

function binary(expr: Extract<Expr, { type: 'binary' }>, t: number, source: SampleSource): Value {
  const lhs = evaluate(expr.lhs, t, source);
  const rhs = evaluate(expr.rhs, t, source);
  const comparison = COMPARISONS.has(expr.op);
  if (lhs.kind === 'scalar' && rhs.kind === 'scalar') {
    if (comparison && !expr.bool) throw new PromqlError('comparisons between scalars need bool');
    return { kind: 'scalar', value: arithmetic(expr.op, lhs.value, rhs.value) };
  }
  if (SET_OPERATORS.has(expr.op)) return setOperation(expr, asVector(lhs), asVector(rhs));
  if (lhs.kind === 'scalar' || rhs.kind === 'scalar') {
    const vector = asVector(lhs.kind === 'scalar' ? rhs : lhs);
    const scalar = lhs.kind === 'scalar' ? lhs.value : asScalar(rhs);
    const out: VectorSample[] = [];
    for (const sample of vector) {
      const [a, b] = lhs.kind === 'scalar' ? [scalar, sample.value] : [sample.value, scalar];
      const value = arithmetic(expr.op, a, b);
      if (comparison && !expr.bool) {
        if (value === 1) out.push(sample);
        continue;
      }
      out.push({ labels: withoutName(sample.labels), value });
    }
    return { kind: 'vector', samples: out };
  }
  return vectorBinary(expr, asVector(lhs), asVector(rhs), comparison);
}

function vectorBinary(
  expr: Extract<Expr, { type: 'binary' }>,
  lhs: readonly VectorSample[],
  rhs: readonly VectorSample[],
  comparison: boolean,
): Value {
  const matching = expr.matching ?? { on: false, labels: [], include: [] };
  const on = matching.on;
  const names = matching.labels;
  const group = matching.group;
  // With group_right the "one" side is the left: swap so `many` is always the side kept.
  const [many, one] = group === 'right' ? [rhs, lhs] : [lhs, rhs];
  const ones = new Map<string, VectorSample>();
  for (const sample of one) {
    const key = signature(sample.labels, on, names);
    if (ones.has(key))
      throw new PromqlError(
        `many-to-many matching not allowed: duplicate series on the ${group ? 'one' : 'right-hand'} side`,
      );
    ones.set(key, sample);
  }
  const seen = new Set<string>();
  const out: VectorSample[] = [];
  for (const sample of many) {
    const key = signature(sample.labels, on, names);
    const other = ones.get(key);
    if (!other) continue;
    if (!group) {
      if (seen.has(key))
        throw new PromqlError('many-to-many matching not allowed: duplicate series on the left-hand side');
      seen.add(key);
    }
    const [a, b] = group === 'right' ? [other.value, sample.value] : [sample.value, other.value];
    const value = arithmetic(expr.op, a, b);
    if (comparison && !expr.bool && value !== 1) continue;
    const keepName = comparison && !expr.bool;
    let labels: Record<string, string> = { ...(keepName ? sample.labels : withoutName(sample.labels)) };
    if (!group) {
      if (on) labels = Object.fromEntries(Object.entries(labels).filter(([key]) => names.includes(key)));
      else for (const name of names) delete labels[name];
    }
    for (const name of matching.include) {
      const value = other.labels[name];
      if (value === undefined || value === '') delete labels[name];
      else labels[name] = value;
    }
    out.push({ labels, value: comparison && !expr.bool ? sample.value : value });
  }
  return { kind: 'vector', samples: out };
}

function setOperation(
  expr: Extract<Expr, { type: 'binary' }>,
  lhs: readonly VectorSample[],
  rhs: readonly VectorSample[],
): Value {
  const on = expr.matching?.on ?? false;
  const names = expr.matching?.labels ?? [];
  const rightKeys = new Set(rhs.map((sample) => signature(sample.labels, on, names)));
  switch (expr.op) {
    case 'and':
      return { kind: 'vector', samples: lhs.filter((sample) => rightKeys.has(signature(sample.labels, on, names))) };
    case 'unless':
      return { kind: 'vector', samples: lhs.filter((sample) => !rightKeys.has(signature(sample.labels, on, names))) };
    default: {
      const leftKeys = new Set(lhs.map((sample) => signature(sample.labels, on, names)));
      return {
        kind: 'vector',
        samples: [...lhs, ...rhs.filter((sample) => !leftKeys.has(signature(sample.labels, on, names)))],
      };
    }
  }
}
