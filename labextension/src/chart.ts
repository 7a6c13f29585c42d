/**
 * Line charts of metric series, drawn as plain SVG.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';
const WIDTH = 560;
const HEIGHT = 220;
const MARGIN = { left: 58, right: 12, top: 12, bottom: 28 };

/** Colours of overlaid series, in order; they read on light and dark themes. */
export const SERIES_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728'];

export interface IChartSeries {
  label: string;
  steps: number[];
  values: number[];
  /** The line's colour; by default the series' place in `SERIES_COLORS`. */
  color?: string;
}

/** The colour of a series: its own, else the one of its place. */
function colorOf(item: IChartSeries, index: number): string {
  return item.color ?? SERIES_COLORS[index % SERIES_COLORS.length];
}

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: { [name: string]: string | number }
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) {
    element.setAttribute(name, String(value));
  }
  return element;
}

/** Format an axis label with at most 4 significant digits. */
export function formatNumber(value: number): string {
  if (value === 0) {
    return '0';
  }
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) {
    return value.toExponential(2);
  }
  return String(Number(value.toPrecision(4)));
}

function extent(numbers: number[]): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (const value of numbers) {
    if (value < low) {
      low = value;
    }
    if (value > high) {
      high = value;
    }
  }
  if (low === high) {
    return [low - 0.5, high + 0.5];
  }
  return [low, high];
}

/** Return between about `count` and 1.5 × `count` round tick values (1, 2 or 5 times a power of ten) inside [low, high]. */
function ticks(low: number, high: number, count: number): number[] {
  const rough = (high - low) / count / 1.5;
  const power = Math.pow(10, Math.floor(Math.log10(rough)));
  const step = [1, 2, 5, 10].map(factor => factor * power).find(candidate => candidate >= rough) ?? rough;
  const values: number[] = [];
  for (let value = Math.ceil(low / step) * step; value <= high + step * 1e-9; value += step) {
    values.push(Number(value.toPrecision(12)));
  }
  return values;
}

/**
 * Draw one chart with every series of `series` on shared axes.
 *
 * The steps and values come reduced by the server, so the cost of a chart
 * does not grow with the length of a run's series.
 */
export function lineChart(title: string, series: IChartSeries[], legend = series.length > 1): HTMLElement {
  const figure = document.createElement('figure');
  figure.className = 'jp-SacredChart';
  const caption = document.createElement('figcaption');
  caption.textContent = title;
  figure.appendChild(caption);

  const drawn = series.filter(item => item.values.length > 0);
  const [xLow, xHigh] = extent(drawn.flatMap(item => item.steps));
  const [yLow, yHigh] = extent(drawn.flatMap(item => item.values));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (step: number) =>
    MARGIN.left + ((step - xLow) / (xHigh - xLow)) * plotWidth;
  const y = (value: number) =>
    MARGIN.top + (1 - (value - yLow) / (yHigh - yLow)) * plotHeight;

  const root = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: 'img',
    'aria-label': title
  });
  root.appendChild(
    svg('rect', {
      class: 'jp-SacredChart-frame',
      x: MARGIN.left,
      y: MARGIN.top,
      width: plotWidth,
      height: plotHeight
    })
  );

  for (const value of ticks(yLow, yHigh, 4)) {
    const label = svg('text', {
      class: 'jp-SacredChart-tick',
      x: MARGIN.left - 6,
      y: y(value) + 4,
      'text-anchor': 'end'
    });
    label.textContent = formatNumber(value);
    root.appendChild(label);
    root.appendChild(
      svg('line', {
        class: 'jp-SacredChart-grid',
        x1: MARGIN.left,
        x2: MARGIN.left + plotWidth,
        y1: y(value),
        y2: y(value)
      })
    );
  }
  for (const value of ticks(xLow, xHigh, 4)) {
    const label = svg('text', {
      class: 'jp-SacredChart-tick',
      x: x(value),
      y: HEIGHT - 8,
      'text-anchor': 'middle'
    });
    label.textContent = formatNumber(value);
    root.appendChild(label);
  }

  drawn.forEach((item, index) => {
    const points = item.steps
      .map((step, position) => `${x(step).toFixed(1)},${y(item.values[position]).toFixed(1)}`)
      .join(' ');
    const line = svg('polyline', {
      class: 'jp-SacredChart-line',
      points,
      stroke: colorOf(item, index)
    });
    const tooltip = svg('title', {});
    tooltip.textContent = item.label;
    line.appendChild(tooltip);
    root.appendChild(line);
  });
  figure.appendChild(root);

  if (legend) {
    const entries = document.createElement('div');
    entries.className = 'jp-SacredChart-legend';
    series.forEach((item, index) => {
      const entry = document.createElement('span');
      entry.style.setProperty('--jp-sacred-series-color', colorOf(item, index));
      entry.textContent = item.label;
      entries.appendChild(entry);
    });
    figure.appendChild(entries);
  }
  return figure;
}
