// A time-series chart (uPlot): x is wall-clock ms, one line per series.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartProps {
  title: string;
  /** Label and colour of each y series. */
  series: { label: string; stroke: string }[];
  /** x values (ms) then one array per series. */
  data: number[][];
  testId: string;
}

/** A uPlot line chart that follows `data`; `data-points`, `data-last` and `data-max` (of the first series) expose what it plots (browser tests). */
export function Chart({ title, series, data, testId }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const seconds = (d: number[][]): uPlot.AlignedData => [d[0]!.map((t) => t / 1000), ...d.slice(1)] as uPlot.AlignedData;
  useEffect(() => {
    const el = box.current!;
    plot.current = new uPlot(
      {
        title,
        width: Math.max(300, el.clientWidth),
        height: 220,
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2 }))],
        axes: [{}, { size: 70 }],
      },
      seconds(data),
      el,
    );
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(300, el.clientWidth), height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);
  useEffect(() => {
    plot.current?.setData(seconds(data));
  }, [data]);
  const first = data[1] ?? [];
  return <div ref={box} class="chart" data-testid={testId} data-points={data[0]!.length} data-last={first[first.length - 1] ?? ''} data-max={first.length === 0 ? '' : Math.max(...first)} />;
}
