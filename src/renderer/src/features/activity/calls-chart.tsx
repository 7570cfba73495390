// The chart of calls over time by decision: stacked bars drawn by uPlot on a canvas, in the
// decision colours of the current theme, with a legend of totals as text. The plot is rebuilt when
// the theme changes, resized with its box, and destroyed on unmount.
import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { CallDecision, HourlyCount } from '../../../../shared/contract';
import { bucketLabel, chartSeries, stackedData, type ChartSeries } from './chart-data';
import { decisionWord } from './format-call';

const CHART_HEIGHT = 120;
const DECISIONS: CallDecision[] = ['allow', 'deny', 'pending'];

let drawable: boolean | undefined;
/** Whether this document can draw on a canvas (a DOM without layout, as in tests, cannot). */
function canDraw(): boolean {
  drawable ??= document.createElement('canvas').getContext('2d') !== null;
  return drawable;
}

export function CallsChart({
  counts,
  range,
  now,
}: {
  counts: readonly HourlyCount[];
  range: { from?: number; to?: number };
  now: number;
}) {
  const series = useMemo(() => chartSeries(counts, range, now), [counts, range, now]);
  const [hover, setHover] = useState<number | undefined>();
  const at = hover === undefined ? undefined : series.starts[hover];

  return (
    <figure className="calls-chart" aria-label="Calls over time by decision">
      <figcaption>
        <span className="chart-title">
          {at === undefined ? `Calls per ${series.bucket}` : bucketLabel(at, series.bucket)}
        </span>
        <ul className="chart-legend" aria-label="Totals">
          {DECISIONS.map((decision) => (
            <li key={decision}>
              <span className={`swatch ${decision}`} aria-hidden="true" />
              {decisionWord(decision)}{' '}
              <strong>
                {(hover === undefined
                  ? series.totals[decision]
                  : (series[decision][hover] ?? 0)
                ).toLocaleString('en-US')}
              </strong>
            </li>
          ))}
        </ul>
      </figcaption>
      {canDraw() && <Plot series={series} onHover={setHover} />}
    </figure>
  );
}

/** True while the system asks for dark colours. */
function usePrefersDark(): boolean {
  const query = useMemo(() => window.matchMedia?.('(prefers-color-scheme: dark)'), []);
  const [dark, setDark] = useState(() => query?.matches ?? false);
  useEffect(() => {
    if (!query) return;
    const onChange = () => setDark(query.matches);
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }, [query]);
  return dark;
}

function Plot({
  series,
  onHover,
}: {
  series: ChartSeries;
  onHover(index: number | undefined): void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const data = useMemo(() => stackedData(series), [series]);
  // The plot is built once per theme; these refs give it the newest data and callbacks.
  const latest = useRef({ data, bucket: series.bucket, onHover });
  latest.current = { data, bucket: series.bucket, onHover };
  const dark = usePrefersDark();

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const style = getComputedStyle(element);
    const color = (name: string, fallback: string) =>
      style.getPropertyValue(name).trim() || fallback;
    const muted = color('--muted', '#5f6368');
    const border = color('--border', '#dadce0');
    const bars = uPlot.paths.bars!({ size: [0.8, 28], gap: 1 });
    const bar = (label: string, fill: string): uPlot.Series => ({
      label,
      fill,
      stroke: fill,
      width: 0,
      paths: bars,
      points: { show: false },
    });
    const width = () => Math.max(element.clientWidth, 200);
    const halfBucket = () => (latest.current.bucket === 'hour' ? 1800 : 43_200);

    const options: uPlot.Options = {
      width: width(),
      height: CHART_HEIGHT,
      legend: { show: false },
      cursor: { y: false, points: { show: false }, drag: { x: false, y: false } },
      scales: {
        // From the first bar to the last, each whole: uPlot would stretch a lone bar's axis.
        x: {
          time: true,
          range: (_u, min, max) => {
            const x = latest.current.data[0];
            const first = x[0] ?? min;
            const last = x.at(-1) ?? max;
            return [first - halfBucket(), last + halfBucket()];
          },
        },
        y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
      },
      axes: [
        {
          stroke: muted,
          grid: { show: false },
          ticks: { stroke: border, size: 4 },
          font: '11px system-ui, sans-serif',
          // Room for "Mar 3 14:00"; the labels in the screens' one format, not uPlot's own
          // ("1:30am", "12/5/26"). x values are seconds.
          space: 80,
          values: (_u, ticks) => ticks.map((t) => bucketLabel(t * 1000, latest.current.bucket)),
        },
        {
          stroke: muted,
          grid: { stroke: border, width: 1 },
          ticks: { show: false },
          font: '11px system-ui, sans-serif',
          size: 44,
          // Counts are whole numbers: no tick between them.
          incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 1e5, 1e6, 1e7],
          values: (_u, ticks) => ticks.map((t) => t.toLocaleString('en-US')),
        },
      ],
      series: [
        {},
        bar('Pending', color('--warn', '#b06000')),
        bar('Denied', color('--deny', '#c5221f')),
        bar('Allowed', color('--allow', '#137333')),
      ],
      hooks: {
        setCursor: [
          (u) => {
            const index = u.cursor.idx;
            latest.current.onHover(index === null || index === undefined ? undefined : index);
          },
        ],
      },
    };
    const chart = new uPlot(options, latest.current.data, element);
    plot.current = chart;
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: width(), height: CHART_HEIGHT }),
    );
    resize.observe(element);
    const leave = () => latest.current.onHover(undefined);
    element.addEventListener('mouseleave', leave);
    return () => {
      element.removeEventListener('mouseleave', leave);
      resize.disconnect();
      chart.destroy();
      plot.current = undefined;
    };
  }, [dark]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div ref={box} className="chart-plot" />;
}
