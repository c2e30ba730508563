/**
 * Splitting a byte stream into lines with a bounded buffer. The splitter lives in
 * contracts/k6-json.ts so the exporter and the report agree on what a line (and a too-long line)
 * is; these names are the exporter's.
 */

export { K6LineSplitter as LineSplitter, type K6LineSink as LineSink } from '../contracts/k6-json.ts';
