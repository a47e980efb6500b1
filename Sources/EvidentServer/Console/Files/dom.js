// Building the page. Every piece of data goes into the page as text (textContent, attribute values), never as
// HTML: events are written by clients of the API, so their contents are untrusted.

/// An element: `props` sets `class`, `text`, event handlers under `on` and any other attribute (never `style`
/// or markup); children are nodes, strings (as text), arrays of them, or null.
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name === 'text') element.textContent = String(value);
    else if (name === 'on') for (const [event, handler] of Object.entries(value)) element.addEventListener(event, handler);
    else if (name === 'style' || name.startsWith('on') || name === 'innerHTML') throw new Error(`h(): '${name}' is not allowed`);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else if (child instanceof Node) element.append(child);
    else element.append(document.createTextNode(String(child)));
  }
}

export function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children) if (child) element.append(child);
  return element;
}

export function formatTime(unixSeconds) {
  if (typeof unixSeconds !== 'number') return '';
  return new Date(unixSeconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function formatNumber(number) {
  return typeof number === 'number' ? number.toLocaleString('en') : '—';
}

/// A short, one-line form of a JSON value, for tables and lists.
export function brief(value, limit = 120) {
  const text = value === undefined ? '(absent)' : JSON.stringify(value);
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

export function pretty(value) {
  return h('pre', { class: 'json', text: JSON.stringify(value, null, 2) });
}

export function card(title, ...children) {
  return h('section', { class: 'card' }, h('h2', { text: title }), ...children);
}

export function empty(text, ...actions) {
  return h('div', { class: 'empty', role: 'status' }, h('p', { text }), ...actions);
}

/// What went wrong, in words a person can act on: no key or a wrong one (401), a scope too small (403), the
/// server gone (with Retry), or the server's own message.
export function problem(error, retry) {
  const status = error && error.status;
  let title;
  let detail = (error && error.message) || String(error);
  if (status === 0) {
    title = 'The server does not answer';
    detail = 'It may have stopped or restarted, or the network is down.';
  } else if (status === 401) {
    title = 'An API key is needed';
    detail = `${detail} Give the console a key.`;
  } else if (status === 403) {
    title = 'This key may not do that';
    detail = `${detail} Ask for a key with a larger scope.`;
  } else {
    title = status ? `The server answered ${status}` : 'Something went wrong';
  }
  return h(
    'div',
    { class: `problem status-${status ?? 'none'}`, role: 'alert' },
    h('h2', { text: title }),
    h('p', { text: detail }),
    retry ? h('button', { type: 'button', class: 'retry', on: { click: retry } }, 'Retry') : null
  );
}

/// A small line chart of `values` (newest last).
export function lineChart(samples, { width = 480, height = 120, label = '' } = {}) {
  const values = samples.length === 1 ? [samples[0], samples[0]] : samples;
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((value, index) => `${(index * step).toFixed(1)},${(height - (value / max) * (height - 8) - 4).toFixed(1)}`);
  return svg(
    'svg',
    { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, preserveAspectRatio: 'none' },
    svg('line', { x1: 0, y1: height - 4, x2: width, y2: height - 4, class: 'axis' }),
    values.length ? svg('polyline', { points: points.join(' '), class: 'line' }) : null
  );
}

/// A list of `count` rows of equal height that puts only the rows in view into the page, so a list of 10,000
/// events costs as much as one of 30. `renderRow(index)` builds a row; `onRange(first, last)` says which
/// rows are in view (to load them); arrow keys, Page Up/Down, Home and End move the selection, Enter opens.
export class VirtualList {
  constructor({ rowHeight = 32, label, renderRow, onSelect, onRange, fitUpTo = 0 }) {
    this.rowHeight = rowHeight;
    this.fitUpTo = fitUpTo;
    this.renderRow = renderRow;
    this.onSelect = onSelect;
    this.onRange = onRange;
    this.count = 0;
    this.selected = -1;
    this.rows = h('div', { class: 'vrows' });
    this.spacer = h('div', { class: 'vspacer' }, this.rows);
    this.element = h(
      'div',
      {
        class: 'vlist',
        tabindex: '0',
        role: 'listbox',
        'aria-label': label,
        on: { scroll: () => this.schedule(), keydown: (event) => this.key(event) },
      },
      this.spacer
    );
    this.pending = false;
  }

  setCount(count) {
    this.count = count;
    this.spacer.style.height = `${count * this.rowHeight}px`;
    // A short list is as tall as its rows, up to `fitUpTo` pixels.
    if (this.fitUpTo) this.element.style.height = `${Math.min(this.fitUpTo, Math.max(3, count) * this.rowHeight + 2)}px`;
    if (this.selected >= count) this.selected = count - 1;
    this.schedule();
  }

  refresh() {
    this.schedule();
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  draw() {
    const top = this.element.scrollTop;
    const height = this.element.clientHeight || 480;
    const first = Math.max(0, Math.floor(top / this.rowHeight) - 8);
    const last = Math.min(this.count - 1, Math.ceil((top + height) / this.rowHeight) + 8);
    const rows = [];
    for (let index = first; index <= last; index++) {
      const row = this.renderRow(index);
      row.classList.add('vrow');
      row.style.top = `${index * this.rowHeight}px`;
      row.style.height = `${this.rowHeight}px`;
      row.setAttribute('role', 'option');
      row.setAttribute('aria-selected', index === this.selected ? 'true' : 'false');
      row.dataset.index = String(index);
      row.addEventListener('click', () => this.select(index));
      rows.push(row);
    }
    this.rows.replaceChildren(...rows);
    if (this.onRange && this.count > 0) this.onRange(first, last);
  }

  scrollTo(index) {
    const top = index * this.rowHeight;
    const height = this.element.clientHeight || 480;
    if (top < this.element.scrollTop) this.element.scrollTop = top;
    else if (top + this.rowHeight > this.element.scrollTop + height) this.element.scrollTop = top + this.rowHeight - height;
    this.schedule();
  }

  atBottom() {
    const element = this.element;
    return element.scrollTop + element.clientHeight >= element.scrollHeight - this.rowHeight * 2;
  }

  select(index) {
    if (index < 0 || index >= this.count) return;
    this.selected = index;
    this.scrollTo(index);
    if (this.onSelect) this.onSelect(index);
  }

  key(event) {
    const page = Math.max(1, Math.floor((this.element.clientHeight || 480) / this.rowHeight) - 1);
    const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, j: 1, k: -1 };
    if (event.key in moves) {
      this.select(Math.min(this.count - 1, Math.max(0, (this.selected < 0 ? 0 : this.selected + moves[event.key]))));
    } else if (event.key === 'Home') {
      this.select(0);
    } else if (event.key === 'End') {
      this.select(this.count - 1);
    } else if (event.key === 'Enter' && this.selected >= 0) {
      this.select(this.selected);
    } else {
      return;
    }
    event.preventDefault();
  }
}

/// Replaces the children of `node` with `children` (nodes, strings as text, arrays; null and false left out).
export function fill(node, ...children) {
  const nodes = [];
  const add = (items) => {
    for (const item of items) {
      if (item === null || item === undefined || item === false) continue;
      if (Array.isArray(item)) add(item);
      else nodes.push(item instanceof Node ? item : document.createTextNode(String(item)));
    }
  };
  add(children);
  node.replaceChildren(...nodes);
}
