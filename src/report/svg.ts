/** Tiny inline-SVG charts for the self-contained HTML report (no scripts, no external requests). */

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
export const PALETTE = ['#2f6fb0', '#d9822b', '#3a9d5d', '#c0392b', '#8e44ad', '#16a085', '#7f8c8d', '#b7950b', '#2c3e50', '#e84393'];

export interface Series {
  name: string;
  values: Array<number | null>;
}

/** A line chart of series over the same x labels; y from 0 to `max` (1 = percentages). */
export function lineChart(title: string, labels: string[], series: Series[], o: { max?: number; percent?: boolean } = {}): string {
  const W = 560, H = 240, L = 44, R = 130, T = 28, B = 30;
  const max = o.max ?? Math.max(1, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
  const x = (i: number) => L + (labels.length <= 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (labels.length - 1));
  const y = (v: number) => T + (H - T - B) * (1 - v / max);
  const fmt = (v: number) => (o.percent ? `${Math.round(v * 100)}%` : String(Math.round(v * 10) / 10));
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>`];
  parts.push(`<text x="${L}" y="16" font-size="13" font-weight="bold">${esc(title)}</text>`);
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${L - 4}" y="${y(v) + 4}" font-size="10" text-anchor="end">${fmt(v)}</text>`);
  }
  labels.forEach((lab, i) => parts.push(`<text x="${x(i)}" y="${H - 10}" font-size="10" text-anchor="middle">${esc(lab)}</text>`));
  series.forEach((s, si) => {
    const c = PALETTE[si % PALETTE.length];
    const pts = s.values.map((v, i) => (v === null ? null : `${x(i)},${y(v)}`)).filter(Boolean);
    if (pts.length > 1) parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.join(' ')}"/>`);
    s.values.forEach((v, i) => v !== null && parts.push(`<circle cx="${x(i)}" cy="${y(v)}" r="3" fill="${c}"><title>${esc(s.name)} ${esc(labels[i]!)}: ${fmt(v)}</title></circle>`));
    parts.push(`<rect x="${W - R + 10}" y="${T + si * 16}" width="10" height="10" fill="${c}"/><text x="${W - R + 24}" y="${T + si * 16 + 9}" font-size="10">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** A stacked bar chart: one bar per label, one colour per series. */
export function stackedBars(title: string, labels: string[], series: Series[]): string {
  const W = 560, H = 260, L = 44, R = 160, T = 28, B = 30;
  const totals = labels.map((_, i) => series.reduce((s, x) => s + (x.values[i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const bw = Math.min(48, ((W - L - R) / Math.max(1, labels.length)) * 0.6);
  const x = (i: number) => L + ((i + 0.5) * (W - L - R)) / Math.max(1, labels.length) - bw / 2;
  const h = (v: number) => ((H - T - B) * v) / max;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>`];
  parts.push(`<text x="${L}" y="16" font-size="13" font-weight="bold">${esc(title)}</text>`);
  parts.push(`<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#999"/><text x="${L - 4}" y="${T + 4}" font-size="10" text-anchor="end">${max}</text>`);
  labels.forEach((lab, i) => {
    let base = H - B;
    series.forEach((s, si) => {
      const v = s.values[i] ?? 0;
      if (!v) return;
      base -= h(v);
      parts.push(`<rect x="${x(i)}" y="${base}" width="${bw}" height="${h(v)}" fill="${PALETTE[si % PALETTE.length]}"><title>${esc(s.name)} ${esc(lab)}: ${v}</title></rect>`);
    });
    parts.push(`<text x="${x(i) + bw / 2}" y="${H - 10}" font-size="10" text-anchor="middle">${esc(lab)}</text><text x="${x(i) + bw / 2}" y="${base - 3}" font-size="10" text-anchor="middle">${totals[i]}</text>`);
  });
  series.forEach((s, si) => parts.push(`<rect x="${W - R + 10}" y="${T + si * 16}" width="10" height="10" fill="${PALETTE[si % PALETTE.length]}"/><text x="${W - R + 24}" y="${T + si * 16 + 9}" font-size="10">${esc(s.name)}</text>`));
  parts.push('</svg>');
  return parts.join('');
}

/** Paired horizontal bars: expected vs actual change per fix (values are relative changes, −1..1). */
export function pairedBars(title: string, rows: Array<{ label: string; expected: number | null; actual: number | null }>): string {
  const W = 560, rowH = 26, T = 28, L = 150;
  const H = T + rows.length * rowH + 24;
  const mid = L + (W - L - 20) / 2;
  const scale = (W - L - 20) / 2;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>`];
  parts.push(`<text x="8" y="16" font-size="13" font-weight="bold">${esc(title)}</text><line x1="${mid}" x2="${mid}" y1="${T - 4}" y2="${H - 20}" stroke="#999"/>`);
  rows.forEach((r, i) => {
    const yy = T + i * rowH;
    parts.push(`<text x="${L - 6}" y="${yy + 14}" font-size="10" text-anchor="end">${esc(r.label)}</text>`);
    const bar = (v: number | null, dy: number, c: string, what: string) => {
      if (v === null) return;
      const w = Math.max(1, Math.abs(v) * scale);
      parts.push(`<rect x="${v >= 0 ? mid : mid - w}" y="${yy + dy}" width="${w}" height="9" fill="${c}"><title>${esc(r.label)} ${what}: ${Math.round(v * 100)}%</title></rect>`);
    };
    bar(r.expected, 2, '#9bbbe0', 'expected');
    bar(r.actual, 12, '#2f6fb0', 'actual');
  });
  parts.push(`<text x="${mid - scale}" y="${H - 6}" font-size="10">−100 % (errors drop)</text><text x="${mid + scale}" y="${H - 6}" font-size="10" text-anchor="end">+100 %</text>`);
  parts.push(`<rect x="${W - 150}" y="6" width="10" height="9" fill="#9bbbe0"/><text x="${W - 136}" y="14" font-size="10">expected</text><rect x="${W - 80}" y="6" width="10" height="9" fill="#2f6fb0"/><text x="${W - 66}" y="14" font-size="10">actual</text>`);
  parts.push('</svg>');
  return parts.join('');
}

export { esc };
