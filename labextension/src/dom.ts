/**
 * A small helper to build DOM trees without a framework.
 */

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: { [name: string]: string } = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'className') {
      element.className = value;
    } else {
      element.setAttribute(name, value);
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    element.appendChild(
      typeof child === 'string' ? document.createTextNode(child) : child
    );
  }
  return element;
}

/** Render a JSON value for a table cell or a heading: strings bare, the rest as compact JSON. */
export function showValue(value: unknown): string {
  if (value === undefined) {
    return '';
  }
  if (typeof value === 'string') {
    return value;
  }
  return JSON.stringify(value);
}

/** Format a duration in seconds as `1h 02m 03s`, `2m 03s` or `4.2s`. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || seconds === undefined) {
    return '';
  }
  if (seconds < 60) {
    return `${seconds.toFixed(1)}s`;
  }
  const whole = Math.round(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = String(whole % 60).padStart(2, '0');
  if (hours > 0) {
    return `${hours}h ${String(minutes).padStart(2, '0')}m ${rest}s`;
  }
  return `${minutes}m ${rest}s`;
}

/** Format a stored naive-UTC time as local date and time; `short` leaves out the year and seconds. */
export function formatTime(text: string | null, short = false): string {
  if (!text) {
    return '';
  }
  const date = new Date(text.endsWith('Z') ? text : text + 'Z');
  if (isNaN(date.getTime())) {
    return text;
  }
  if (!short) {
    return date.toLocaleString();
  }
  return date.toLocaleString(undefined, {
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit'
  });
}

/** Build the status badge of a run; its colour comes from the `data-status` attribute. */
export function statusBadge(status: string): HTMLElement {
  return h(
    'span',
    { className: 'jp-SacredStatus', 'data-status': status },
    status
  );
}

/** Render a run's result: empty for none (a failed run, or a main function that returned None). */
export function showResult(value: unknown): string {
  return value === null ? '' : showValue(value);
}
