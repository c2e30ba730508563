/**
 * Grafana's table transformations that floodgate's table panels use, for instant query results:
 * `merge` (rows of every query joined on equal labels, one `Value #<refId>` column per query),
 * `organize` (exclude, order, rename columns) and `groupingToMatrix` (one row per `rowField`
 * value, one column per `columnField` value). Pure; unit-tested in the exporter.
 */

/** One query's instant result. */
export interface Frame {
  readonly refId: string;
  readonly rows: ReadonlyArray<{ readonly labels: Readonly<Record<string, string>>; readonly value: number }>;
}

/** A table: named columns, rows of label texts and numbers. */
export interface Table {
  columns: Array<{ name: string }>;
  rows: Array<Array<string | number | undefined>>;
}

/** The columns and rows Grafana shows for the frames before any transformation (merge included). */
function merge(frames: readonly Frame[]): Table {
  const labelNames: string[] = [];
  for (const frame of frames)
    for (const row of frame.rows)
      for (const name of Object.keys(row.labels)) if (!labelNames.includes(name)) labelNames.push(name);
  const valueName = (refId: string): string => (frames.length > 1 ? `Value #${refId}` : 'Value');
  const columns = ['Time', ...labelNames, ...frames.map((frame) => valueName(frame.refId))];
  const byKey = new Map<string, Array<string | number | undefined>>();
  frames.forEach((frame, frameIndex) => {
    for (const row of frame.rows) {
      const key = labelNames.map((name) => row.labels[name] ?? '').join('\u0000');
      let line = byKey.get(key);
      if (!line) {
        line = [undefined, ...labelNames.map((name) => row.labels[name]), ...frames.map(() => undefined)];
        byKey.set(key, line);
      }
      line[1 + labelNames.length + frameIndex] = row.value;
    }
  });
  return { columns: columns.map((name) => ({ name })), rows: [...byKey.values()] };
}

function organize(table: Table, options: Record<string, unknown>): Table {
  const exclude = (options.excludeByName ?? {}) as Record<string, boolean>;
  const index = (options.indexByName ?? {}) as Record<string, number>;
  const rename = (options.renameByName ?? {}) as Record<string, string>;
  let order = table.columns.map((column, at) => ({ name: column.name, at })).filter((column) => !exclude[column.name]);
  if (Object.keys(index).length > 0) {
    order = [...order].sort((a, b) => (index[a.name] ?? 1000 + a.at) - (index[b.name] ?? 1000 + b.at));
  }
  return {
    columns: order.map((column) => ({ name: rename[column.name] || column.name })),
    rows: table.rows.map((row) => order.map((column) => row[column.at])),
  };
}

function groupingToMatrix(table: Table, options: Record<string, unknown>): Table {
  const columnField = String(options.columnField ?? '');
  const rowField = String(options.rowField ?? '');
  const valueField = String(options.valueField ?? 'Value');
  const at = (name: string): number => table.columns.findIndex((column) => column.name === name);
  const [c, r, v] = [at(columnField), at(rowField), at(valueField)];
  if (c < 0 || r < 0 || v < 0) return table;
  const columnValues: string[] = [];
  const rowValues: string[] = [];
  const cells = new Map<string, string | number | undefined>();
  for (const row of table.rows) {
    const column = String(row[c] ?? '');
    const line = String(row[r] ?? '');
    if (!columnValues.includes(column)) columnValues.push(column);
    if (!rowValues.includes(line)) rowValues.push(line);
    cells.set(`${line}\u0000${column}`, row[v]);
  }
  return {
    columns: [{ name: `${rowField}\\${columnField}` }, ...columnValues.map((name) => ({ name }))],
    rows: rowValues.map((line) => [line, ...columnValues.map((column) => cells.get(`${line}\u0000${column}`))]),
  };
}

/** The table Grafana shows after `transformations`; without any, a merge that hides Time. */
export function applyTransformations(
  frames: readonly Frame[],
  transformations: ReadonlyArray<{ id: string; options: Record<string, unknown> }>,
): Table {
  let table = merge(frames);
  const steps =
    transformations.length > 0 ? transformations : [{ id: 'organize', options: { excludeByName: { Time: true } } }];
  for (const step of steps) {
    if (step.id === 'merge') continue; // the frames are merged first, as Grafana's merge would
    if (step.id === 'organize') table = organize(table, step.options);
    else if (step.id === 'groupingToMatrix') table = groupingToMatrix(table, step.options);
  }
  // Time of instant results carries no information on a live board.
  const time = table.columns.findIndex((column) => column.name === 'Time');
  if (time >= 0)
    table = {
      columns: table.columns.filter((_c, at) => at !== time),
      rows: table.rows.map((row) => row.filter((_v, at) => at !== time)),
    };
  return table;
}
