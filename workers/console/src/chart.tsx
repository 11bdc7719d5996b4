import type { Ctx } from "./context";
import { when } from "./layout";
import type { ApiAnswer } from "./upstream";
import { problemText } from "./web";

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

/** A post's timeline as the reposts worker answers it (`GET /v1/posts/:postId/timeline`). */
export type Timeline = {
  rootPostId: string;
  resolution: "minute" | "hour";
  bucketMs: number;
  windowStart: string;
  buckets: { start: string; reposts: number; views: number }[];
  earlier: { reposts: number; views: number };
  totals: { reposts: number; views: number };
};

const SERIES = [
  { key: "reposts", fill: "#0b57b7" },
  { key: "views", fill: "#6b3fa0" },
] as const;

/**
 * Reposts and views over the timeline's window, drawn on the server as SVG: one labelled band
 * per series (each scaled to its own largest bucket, so colour is never the only cue), one bar
 * per bucket at its place in time. `small` draws a sparkline without axis text for a table cell.
 * Labelled by its title and a description; the figures are in a data table beside it.
 */
export function TimelineChart(props: { id: string; title: string; desc: string; timeline: Timeline; labels: { reposts: string; views: string; from: string; to: string }; small?: boolean }) {
  const { timeline, small } = props;
  const start = Date.parse(timeline.windowStart);
  const slots = Math.max(1, Math.round((Date.now() - start) / timeline.bucketMs) + 1);
  const width = small ? 180 : 640;
  const left = small ? 0 : 70;
  const band = small ? 16 : 70;
  const gap = small ? 2 : 14;
  const bottom = small ? 0 : 18;
  const height = SERIES.length * band + (SERIES.length - 1) * gap + bottom;
  const slot = (width - left) / slots;
  return (
    <svg class={small ? "spark" : "timeline-chart"} role="img" aria-labelledby={`${props.id}-title ${props.id}-desc`} viewBox={`0 0 ${width} ${height}`} width={width} height={height}>
      <title id={`${props.id}-title`}>{props.title}</title>
      <desc id={`${props.id}-desc`}>{props.desc}</desc>
      {SERIES.map((s, row) => {
        const top = row * (band + gap);
        const max = Math.max(1, ...timeline.buckets.map((b) => b[s.key]));
        return (
          <g data-series={s.key}>
            {!small && (
              <>
                <text x={0} y={top + 12} font-size="11" fill="#1b1f24">
                  {props.labels[s.key]}
                </text>
                <text x={0} y={top + 26} font-size="11" fill="#57606a">
                  {`max ${max.toLocaleString("en-US")}`}
                </text>
              </>
            )}
            <line x1={left} y1={top + band} x2={width} y2={top + band} stroke="#8c959f" stroke-width="1" />
            {timeline.buckets
              .filter((b) => b[s.key] > 0)
              .map((b) => {
                const i = Math.min(slots - 1, Math.max(0, Math.floor((Date.parse(b.start) - start) / timeline.bucketMs)));
                const h = Math.max(1, Math.round((b[s.key] / max) * (band - 2)));
                return <rect x={left + i * slot} y={top + band - h} width={Math.max(small ? 2 : 1, slot - (slot > 3 ? 1 : 0))} height={h} fill={s.fill} />;
              })}
          </g>
        );
      })}
      {!small && (
        <>
          <text x={left} y={height - 4} font-size="11" fill="#1b1f24">
            {props.labels.from}
          </text>
          <text x={width} y={height - 4} font-size="11" fill="#1b1f24" text-anchor="end">
            {props.labels.to}
          </text>
        </>
      )}
    </svg>
  );
}

/** The words a timeline chart needs, in the page's language. */
export function timelineLabels(c: Ctx, timeline: Timeline, post: string) {
  const t = c.get("t");
  const from = when(timeline.windowStart);
  const to = when(new Date().toISOString());
  return {
    title: t("timelineTitle", { post, window: t(timeline.resolution === "minute" ? "lastTwoHours" : "lastSevenDays") }),
    desc: t("timelineDesc", { reposts: timeline.totals.reposts, views: timeline.totals.views, from, to }),
    labels: { reposts: t("reposts"), views: t("views"), from, to },
  };
}

/** The item page's section: the chart of the post's (its root's, for a repost) spread over time and its data table, with the other resolution one link away. */
export function TimelineSection(props: { c: Ctx; answer: ApiAnswer<Timeline>; otherResolution: string }) {
  const { c, answer } = props;
  const t = c.get("t");
  return (
    <section aria-labelledby="spread-time-h" data-testid="spread-over-time">
      <h2 id="spread-time-h">{t("spreadOverTime")}</h2>
      {!answer.ok ? (
        <p class="muted">{problemText(c, answer.problem)}</p>
      ) : answer.data.totals.reposts + answer.data.totals.views === 0 ? (
        <p>{t("noCountsYet")}</p>
      ) : (
        (() => {
          const tl = answer.data;
          const words = timelineLabels(c, tl, tl.rootPostId);
          return (
            <>
              <TimelineChart id="post-timeline" title={words.title} desc={words.desc} labels={words.labels} timeline={tl} />
              <table data-testid="timeline-table">
                <caption>{words.title}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("bucketStart")}</th>
                    <th scope="col">{t("reposts")}</th>
                    <th scope="col">{t("views")}</th>
                  </tr>
                </thead>
                <tbody>
                  {tl.earlier.reposts + tl.earlier.views > 0 && (
                    <tr>
                      <th scope="row">{t("earlierCounts")}</th>
                      <td>{tl.earlier.reposts}</td>
                      <td>{tl.earlier.views}</td>
                    </tr>
                  )}
                  {tl.buckets.map((b) => (
                    <tr>
                      <th scope="row">{when(b.start)}</th>
                      <td>{b.reposts}</td>
                      <td>{b.views}</td>
                    </tr>
                  ))}
                </tbody>
                <tfoot>
                  <tr data-testid="timeline-total">
                    <th scope="row">{t("total")}</th>
                    <td>{tl.totals.reposts}</td>
                    <td>{tl.totals.views}</td>
                  </tr>
                </tfoot>
              </table>
            </>
          );
        })()
      )}
      <p>
        <a href={props.otherResolution}>{t(answer.ok && answer.data.resolution === "minute" ? "showByHour" : "showByMinute")}</a>
      </p>
    </section>
  );
}
