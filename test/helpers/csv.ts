/**
 * A strict RFC 4180 reader (quoted fields, doubled quotes, CRLF records) for checking exported
 * files as a spreadsheet program reads them; throws on a malformed file instead of guessing.
 */
export function parseCsv(text: string, separator = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i += 1;
        const next = text[i];
        if (next !== undefined && next !== separator && next !== '\r') {
          throw new Error(`csv: text after a closing quote at ${i}`);
        }
        continue;
      }
      field += ch;
      i += 1;
      continue;
    }
    if (ch === '"') {
      if (field !== '') throw new Error(`csv: a quote inside an unquoted field at ${i}`);
      quoted = true;
      i += 1;
    } else if (ch === separator) {
      endField();
      i += 1;
    } else if (ch === '\r') {
      if (text[i + 1] !== '\n') throw new Error(`csv: a bare CR at ${i}`);
      endField();
      rows.push(row);
      row = [];
      i += 2;
    } else if (ch === '\n') {
      throw new Error(`csv: a bare LF at ${i}`);
    } else {
      field += ch;
      i += 1;
    }
  }
  if (quoted) throw new Error('csv: an unterminated quoted field');
  if (field !== '' || row.length > 0) {
    endField();
    rows.push(row);
  }
  return rows;
}
