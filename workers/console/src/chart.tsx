/**
 * A horizontal bar chart drawn on the server as SVG (no script, no style attribute: the CSP
 * allows neither inline style nor foreign images). Labelled for screen readers by its title and
 * a description; the same figures are in the table beside it.
 */
export function BarChart(props: { id: string; title: string; bars: { label: string; value: number }[] }) {
  const width = 640;
  const row = 22;
  const labelWidth = 200;
  const max = Math.max(1, ...props.bars.map((b) => b.value));
  const height = Math.max(row, props.bars.length * row) + 4;
  const plot = width - labelWidth - 70;
  return (
    <svg class="chart" role="img" aria-labelledby={`${props.id}-title ${props.id}-desc`} viewBox={`0 0 ${width} ${height}`} width={width} height={height}>
      <title id={`${props.id}-title`}>{props.title}</title>
      <desc id={`${props.id}-desc`}>{props.bars.map((b) => `${b.label}: ${b.value}`).join("; ")}</desc>
      {props.bars.map((b, i) => {
        const y = i * row + 2;
        const w = Math.max(1, Math.round((b.value / max) * plot));
        return (
          <g>
            <text x={labelWidth - 6} y={y + 14} text-anchor="end">
              {b.label.length > 28 ? `${b.label.slice(0, 27)}…` : b.label}
            </text>
            <rect x={labelWidth} y={y + 3} width={w} height={row - 6} fill="#0b57b7" />
            <text x={labelWidth + w + 6} y={y + 14}>
              {b.value.toLocaleString("en-US")}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
