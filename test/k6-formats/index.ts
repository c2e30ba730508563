/**
 * The k6 format conformance kit: generators that write what k6 v2.x writes and sends, ported
 * from k6's source file by file (see README.md for the k6 commit and each file followed), with
 * expected totals recounted from the raw samples.
 */
export * from './model.ts';
export * from './expected.ts';
export * from './go-json.ts';
export * from './json-output.ts';
export * from './prompb.ts';
export * from './native-histogram.ts';
export * from './remote-write.ts';
export * from './summary.ts';
export * from './cases.ts';
export * from './hostile-json.ts';
