/**
 * A minimal TrueType/OpenType reader: just enough of `head`, `hhea`, `hmtx`, `cmap` (format 4),
 * `kern` (format 0) and `name` to measure text the way a browser lays it out, without pulling a
 * font library into the repository. Offsets and layouts follow the OpenType specification
 * (https://learn.microsoft.com/typography/opentype/spec/).
 */

export interface FontMetrics {
  /** The typographic family name (`name` ID 16, else ID 1), as CSS `font-family` knows it. */
  familyName: string;
  /** The font's version string (`name` ID 5), e.g. "Version 2.37". */
  version: string;
  unitsPerEm: number;
  /** Advance width of a code point in font units, or undefined if the font has no glyph for it. */
  advanceWidth(codePoint: number): number | undefined;
  /** Kerning adjustment in font units between two code points (0 when the pair is not kerned). */
  kerning(left: number, right: number): number;
}

interface TableRecord {
  offset: number;
  length: number;
}

const NAME_ID_FAMILY = 1;
const NAME_ID_VERSION = 5;
const NAME_ID_TYPOGRAPHIC_FAMILY = 16;
const PLATFORM_UNICODE = 0;
const PLATFORM_MACINTOSH = 1;
const PLATFORM_WINDOWS = 3;
const WINDOWS_UNICODE_BMP = 1;

function readTableDirectory(view: DataView): Map<string, TableRecord> {
  const tables = new Map<string, TableRecord>();
  const tableCount = view.getUint16(4);
  for (let index = 0; index < tableCount; index += 1) {
    const record = 12 + index * 16;
    const tag = String.fromCharCode(
      view.getUint8(record),
      view.getUint8(record + 1),
      view.getUint8(record + 2),
      view.getUint8(record + 3),
    );
    tables.set(tag, { offset: view.getUint32(record + 8), length: view.getUint32(record + 12) });
  }
  return tables;
}

function requireTable(tables: Map<string, TableRecord>, tag: string): TableRecord {
  const table = tables.get(tag);
  if (!table) throw new Error(`not a usable TrueType font: no '${tag}' table`);
  return table;
}

/** Glyph advances from `hmtx`: glyphs past numberOfHMetrics repeat the last advance. */
function readAdvances(view: DataView, hmtx: TableRecord, metricCount: number): number[] {
  const advances: number[] = [];
  for (let glyph = 0; glyph < metricCount; glyph += 1) {
    advances.push(view.getUint16(hmtx.offset + glyph * 4));
  }
  return advances;
}

/** Picks the Unicode BMP subtable: Windows (3,1) first, then any Unicode-platform one. */
function findFormat4Subtable(view: DataView, cmap: TableRecord): number {
  const count = view.getUint16(cmap.offset + 2);
  const candidates: { platform: number; offset: number }[] = [];
  for (let index = 0; index < count; index += 1) {
    const record = cmap.offset + 4 + index * 8;
    const platform = view.getUint16(record);
    const encoding = view.getUint16(record + 2);
    const offset = cmap.offset + view.getUint32(record + 4);
    if (view.getUint16(offset) !== 4) continue;
    const isWindowsUnicode = platform === PLATFORM_WINDOWS && encoding === WINDOWS_UNICODE_BMP;
    if (isWindowsUnicode || platform === PLATFORM_UNICODE) candidates.push({ platform, offset });
  }
  const chosen =
    candidates.find((candidate) => candidate.platform === PLATFORM_WINDOWS) ?? candidates[0];
  if (!chosen) throw new Error("no cmap format 4 subtable for Unicode (platform 3/1 or 0)");
  return chosen.offset;
}

/** Maps a BMP code point to a glyph through a cmap format 4 subtable (0 = missing glyph). */
function format4Lookup(view: DataView, subtable: number): (codePoint: number) => number {
  const segmentCount = view.getUint16(subtable + 6) / 2;
  const endCodes = subtable + 14;
  const startCodes = endCodes + segmentCount * 2 + 2;
  const idDeltas = startCodes + segmentCount * 2;
  const idRangeOffsets = idDeltas + segmentCount * 2;
  return (codePoint) => {
    if (codePoint > 0xffff) return 0;
    for (let segment = 0; segment < segmentCount; segment += 1) {
      if (codePoint > view.getUint16(endCodes + segment * 2)) continue;
      const start = view.getUint16(startCodes + segment * 2);
      if (codePoint < start) return 0;
      const delta = view.getInt16(idDeltas + segment * 2);
      const rangeOffsetAddress = idRangeOffsets + segment * 2;
      const rangeOffset = view.getUint16(rangeOffsetAddress);
      if (rangeOffset === 0) return (codePoint + delta) & 0xffff;
      // idRangeOffset counts bytes from its own position into glyphIdArray.
      const glyph = view.getUint16(rangeOffsetAddress + rangeOffset + (codePoint - start) * 2);
      return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
    }
    return 0;
  };
}

/** Horizontal pairs of the legacy `kern` table's format 0 subtables, keyed by glyph pair. */
function readKerningPairs(view: DataView, kern: TableRecord | undefined): Map<number, number> {
  const pairs = new Map<number, number>();
  if (!kern || view.getUint16(kern.offset) !== 0) return pairs;
  const subtableCount = view.getUint16(kern.offset + 2);
  let subtable = kern.offset + 4;
  for (let index = 0; index < subtableCount; index += 1) {
    const length = view.getUint16(subtable + 2);
    const coverage = view.getUint16(subtable + 4);
    const format = coverage >> 8;
    const horizontal = (coverage & 0x1) !== 0;
    const minimumOrCrossStream = (coverage & 0x6) !== 0;
    if (format === 0 && horizontal && !minimumOrCrossStream) {
      const pairCount = view.getUint16(subtable + 6);
      for (let pair = 0; pair < pairCount; pair += 1) {
        const record = subtable + 14 + pair * 6;
        const key = glyphPairKey(view.getUint16(record), view.getUint16(record + 2));
        pairs.set(key, (pairs.get(key) ?? 0) + view.getInt16(record + 4));
      }
    }
    subtable += length;
  }
  return pairs;
}

function glyphPairKey(left: number, right: number): number {
  return left * 0x10000 + right;
}

/** A `name` string, preferring Windows Unicode (UTF-16BE) over Macintosh Roman records. */
function readName(view: DataView, name: TableRecord, nameId: number): string | undefined {
  const count = view.getUint16(name.offset + 2);
  const strings = name.offset + view.getUint16(name.offset + 4);
  let macintosh: string | undefined;
  for (let index = 0; index < count; index += 1) {
    const record = name.offset + 6 + index * 12;
    if (view.getUint16(record + 6) !== nameId) continue;
    const platform = view.getUint16(record);
    const length = view.getUint16(record + 8);
    const start = strings + view.getUint16(record + 10);
    if (platform === PLATFORM_WINDOWS || platform === PLATFORM_UNICODE) {
      let text = "";
      for (let offset = 0; offset < length; offset += 2) {
        text += String.fromCharCode(view.getUint16(start + offset));
      }
      return text;
    }
    if (platform === PLATFORM_MACINTOSH && macintosh === undefined) {
      const bytes = new Uint8Array(view.buffer, view.byteOffset + start, length);
      macintosh = String.fromCharCode(...bytes);
    }
  }
  return macintosh;
}

export function readFontMetrics(font: Uint8Array): FontMetrics {
  const view = new DataView(font.buffer, font.byteOffset, font.byteLength);
  const tables = readTableDirectory(view);
  const head = requireTable(tables, "head");
  const hhea = requireTable(tables, "hhea");
  const name = requireTable(tables, "name");
  const advances = readAdvances(
    view,
    requireTable(tables, "hmtx"),
    view.getUint16(hhea.offset + 34),
  );
  const glyphOf = format4Lookup(view, findFormat4Subtable(view, requireTable(tables, "cmap")));
  const kerningPairs = readKerningPairs(view, tables.get("kern"));
  const familyName =
    readName(view, name, NAME_ID_TYPOGRAPHIC_FAMILY) ?? readName(view, name, NAME_ID_FAMILY);
  if (!familyName) throw new Error("the font has no family name");

  return {
    familyName,
    version: readName(view, name, NAME_ID_VERSION) ?? "unknown",
    unitsPerEm: view.getUint16(head.offset + 18),
    advanceWidth(codePoint) {
      const glyph = glyphOf(codePoint);
      if (glyph === 0) return undefined;
      return advances[Math.min(glyph, advances.length - 1)];
    },
    kerning(left, right) {
      return kerningPairs.get(glyphPairKey(glyphOf(left), glyphOf(right))) ?? 0;
    },
  };
}
