// The live log: the global log as it happens (the SSE feed), with pause, filters, a jump to any position, and a
// search for the events of one correlation id or with one event id. Only the rows in view are in the page,
// and at most `keep` events are held: older ones are read again from the API when needed.
import { api, follow, splitKey } from './api.js';
import { h, VirtualList, brief, empty, formatTime, pretty, problem, fill } from './dom.js';

export const title = 'Live log';

const keep = 10000;
const backlog = 200;
const searchPages = 10;
const pageSize = 1000;

export async function render(main, { query }, context) {
  const spec = await api('/_spec', { signal: context.signal });
  const aggregateTypes = Object.keys(spec.spec.aggregate_types || {}).sort();
  const filters = {
    aggregate_type: query.get('aggregate_type') || '',
    types: query.get('types') || '',
    target: query.get('target') || '',
  };
  const search = query.get('correlation') ? { field: 'correlation', value: query.get('correlation') } : query.get('event') ? { field: 'event', value: query.get('event') } : null;
  let mode = search ? 'search' : query.get('from') ? 'browse' : 'live';
  let from = Number(query.get('from')) || 1;

  let events = [];
  let feed = null;
  let paused = false;
  let lastPosition = 0;
  let nextAfter = 0;
  let loading = false;
  let exhausted = false;

  const status = h('p', { class: 'status', id: 'log-status', role: 'status', 'aria-live': 'polite' });
  const detail = h('div', { class: 'detail', id: 'log-detail' }, empty('Select an event (click it, or use the arrow keys in the list) to see its data and metadata.'));
  const list = new VirtualList({
    label: 'Events of the log',
    renderRow: (index) => row(events[index]),
    onSelect: (index) => showDetail(events[index]),
    onRange: (_first, last) => {
      if (mode === 'browse' && last >= events.length - 20) loadPage();
    },
  });

  const typeSelect = h('select', { id: 'filter-aggregate-type', name: 'aggregate_type' }, h('option', { value: '', text: 'all aggregate types' }), aggregateTypes.map((type) => h('option', { value: type, text: type, selected: type === filters.aggregate_type })));
  const typesInput = h('input', { id: 'filter-types', name: 'types', value: filters.types, placeholder: 'event types, comma-separated', 'data-search': '' });
  const targetInput = h('input', { id: 'filter-target', name: 'target', value: filters.target, placeholder: 'target (type:id or id)' });
  const jumpInput = h('input', { id: 'jump-position', type: 'number', min: '1', name: 'from', placeholder: 'position' });
  const pauseButton = h('button', { type: 'button', id: 'pause', on: { click: () => togglePause() } }, 'Pause');
  const liveButton = h('button', { type: 'button', id: 'follow-live', on: { click: () => start('live') } }, 'Follow live');

  main.append(
    h('h1', { text: search ? (search.field === 'correlation' ? `Events correlated by ${search.value}` : `Event ${search.value}`) : 'Live log' }),
    h(
      'form',
      {
        class: 'toolbar',
        on: {
          submit: (event) => {
            event.preventDefault();
            applyFilters();
          },
          change: (event) => {
            if (event.target !== jumpInput) applyFilters();
          },
        },
      },
      h('label', { for: 'filter-aggregate-type', class: 'sr-only', text: 'Aggregate type' }),
      typeSelect,
      h('label', { for: 'filter-types', class: 'sr-only', text: 'Event types' }),
      typesInput,
      h('label', { for: 'filter-target', class: 'sr-only', text: 'Target' }),
      targetInput,
      h('button', { type: 'submit' }, 'Filter')
    ),
    h(
      'form',
      {
        class: 'toolbar',
        on: {
          submit: (event) => {
            event.preventDefault();
            const position = Number(jumpInput.value);
            if (position >= 1) {
              from = position;
              start('browse');
            }
          },
        },
      },
      h('label', { for: 'jump-position', text: 'Jump to position' }),
      jumpInput,
      h('button', { type: 'submit', id: 'jump' }, 'Go'),
      pauseButton,
      liveButton
    ),
    status,
    h('div', { class: 'split' }, list.element, detail)
  );
  context.onLeave(() => feed && feed.abort());

  function applyFilters() {
    filters.aggregate_type = typeSelect.value;
    filters.types = typesInput.value.replace(/\s+/g, '');
    filters.target = targetInput.value.trim();
    start(mode === 'search' ? 'search' : mode);
  }

  function serverFilter() {
    const parameters = new URLSearchParams();
    if (filters.aggregate_type) parameters.set('aggregate_type', filters.aggregate_type);
    if (filters.types) parameters.set('types', filters.types);
    return parameters;
  }

  function matches(event) {
    if (filters.target) {
      const target = event.metadata && event.metadata.target;
      if (!target) return false;
      const text = `${target.type}:${target.id}`;
      if (text !== filters.target && target.id !== filters.target) return false;
    }
    if (search && search.field === 'correlation') return event.metadata && event.metadata.correlation_id === search.value;
    if (search && search.field === 'event') return event.id === search.value;
    return true;
  }

  function remember() {
    const parameters = serverFilter();
    if (filters.target) parameters.set('target', filters.target);
    if (mode === 'browse') parameters.set('from', String(from));
    if (search) parameters.set(search.field, search.value);
    const text = parameters.toString();
    replaceHash(`#/log${text ? `?${text}` : ''}`);
  }

  function add(batch) {
    const atBottom = list.atBottom();
    for (const event of batch) if (matches(event)) events.push(event);
    if (events.length > keep) {
      const drop = events.length - keep;
      events = events.slice(drop);
      if (list.selected >= 0) list.selected = Math.max(-1, list.selected - drop);
    }
    list.setCount(events.length);
    if (mode === 'live' && atBottom && !paused) list.element.scrollTop = list.element.scrollHeight;
  }

  async function start(newMode) {
    if (feed) feed.abort();
    feed = new AbortController();
    mode = newMode;
    paused = false;
    pauseButton.textContent = 'Pause';
    pauseButton.hidden = mode !== 'live';
    liveButton.hidden = mode === 'live';
    events = [];
    exhausted = false;
    list.selected = -1;
    list.setCount(0);
    remember();
    if (mode === 'live') {
      const health = await api('/_health', { signal: context.signal });
      lastPosition = Math.max(0, health.head_position - backlog);
      listen();
    } else if (mode === 'browse') {
      nextAfter = from - 1;
      status.textContent = `From position ${from}; scroll down for more.`;
      await loadPage();
    } else {
      await searchBackward();
    }
  }

  function listen() {
    const signal = feed.signal;
    const parameters = serverFilter();
    parameters.set('after', String(lastPosition));
    status.textContent = 'Connecting…';
    let pending = [];
    let scheduled = false;
    follow(`/_log/stream?${parameters}`, {
      signal,
      onOpen: () => {
        status.textContent = 'Live: new events appear as they are appended.';
      },
      onEvent: (event) => {
        lastPosition = event.position;
        pending.push(event);
        if (!scheduled) {
          scheduled = true;
          requestAnimationFrame(() => {
            scheduled = false;
            const batch = pending;
            pending = [];
            add(batch);
          });
        }
      },
    }).catch((error) => {
      if (signal.aborted) return;
      fill(status, problem(error, () => start('live')));
    });
  }

  function togglePause() {
    if (mode !== 'live') return;
    paused = !paused;
    pauseButton.textContent = paused ? 'Resume' : 'Pause';
    if (paused) {
      feed.abort();
      status.textContent = `Paused after position ${lastPosition}; Resume to catch up from there.`;
    } else {
      feed = new AbortController();
      listen();
    }
  }

  async function loadPage() {
    if (loading || exhausted) return;
    loading = true;
    try {
      const parameters = serverFilter();
      parameters.set('after', String(nextAfter));
      parameters.set('limit', '500');
      const page = await api(`/_log?${parameters}`, { signal: feed.signal });
      if (page.events.length < 500) exhausted = true;
      nextAfter = page.next;
      add(page.events);
      if (events.length === 0 && exhausted) status.textContent = `No events at or after position ${from} match.`;
    } catch (error) {
      if (error.name !== 'AbortError') fill(status, problem(error, () => start('browse')));
    } finally {
      loading = false;
    }
  }

  // The log reads forward only; a search walks back from the head a page at a time.
  let searchBefore = 0;
  async function searchBackward() {
    const health = await api('/_health', { signal: feed.signal });
    searchBefore = health.head_position + 1;
    await searchMore();
  }

  async function searchMore() {
    const signal = feed.signal;
    for (let page = 0; page < searchPages && searchBefore > 1; page++) {
      const after = Math.max(0, searchBefore - 1 - pageSize);
      const parameters = serverFilter();
      parameters.set('after', String(after));
      parameters.set('limit', String(pageSize));
      const answer = await api(`/_log?${parameters}`, { signal });
      add(answer.events.filter((event) => event.position < searchBefore));
      searchBefore = after + 1;
      if (search.field === 'event' && events.length) break;
    }
    events.sort((a, b) => a.position - b.position);
    list.setCount(events.length);
    const done = searchBefore <= 1 || (search.field === 'event' && events.length);
    fill(status, 
      `${events.length} event(s) found${done ? ' in the whole log' : ` from position ${searchBefore} on`}. `,
      done ? null : h('button', { type: 'button', id: 'search-more', on: { click: () => searchMore() } }, `Search ${(searchPages * pageSize).toLocaleString('en')} earlier positions`)
    );
    if (events.length === 1) list.select(0);
  }

  function showDetail(event) {
    if (!event) return;
    const { type, id } = splitKey(event.key);
    const metadata = event.metadata || {};
    fill(detail, 
      h('h2', {}, h('a', { href: `#/aggregate/${type}/${id}?version=${event.version}`, text: `${event.key} v${event.version}` })),
      h(
        'dl',
        { class: 'facts' },
        h('dt', { text: 'Type' }),
        h('dd', { text: event.type }),
        h('dt', { text: 'Position' }),
        h('dd', { text: String(event.position) }),
        h('dt', { text: 'Recorded' }),
        h('dd', { text: formatTime(metadata.timestamp) }),
        h('dt', { text: 'Id' }),
        h('dd', { class: 'mono', text: event.id }),
        relations(metadata)
      ),
      h('h3', { text: 'Data' }),
      pretty(event.data),
      h('h3', { text: 'Metadata' }),
      pretty(metadata)
    );
  }

  await start(mode);
}

/// Links from an event's metadata to the events it names: its cause, those of its correlation, its target.
export function relations(metadata) {
  const items = [];
  if (metadata.causation_id) {
    items.push(h('dt', { text: 'Caused by' }), h('dd', {}, h('a', { href: `#/log?event=${encodeURIComponent(metadata.causation_id)}`, class: 'causation', text: metadata.causation_id })));
  }
  if (metadata.correlation_id) {
    items.push(h('dt', { text: 'Correlation' }), h('dd', {}, h('a', { href: `#/log?correlation=${encodeURIComponent(metadata.correlation_id)}`, class: 'correlation', text: metadata.correlation_id })));
  }
  if (metadata.target && metadata.target.type && metadata.target.id) {
    items.push(h('dt', { text: 'Target' }), h('dd', {}, h('a', { href: `#/aggregate/${metadata.target.type}/${metadata.target.id}`, text: `${metadata.target.type}:${metadata.target.id}` })));
  }
  if (metadata.actor) items.push(h('dt', { text: 'Actor' }), h('dd', { text: `${metadata.actor.type}:${metadata.actor.id}` }));
  return items;
}

function row(event) {
  if (!event) return h('div', { class: 'muted', text: '…' });
  return h(
    'div',
    { 'data-position': String(event.position), 'data-key': event.key },
    h('span', { class: 'pos', text: `#${event.position}` }),
    h('span', { class: 'time', text: formatTime(event.metadata && event.metadata.timestamp) }),
    h('span', { class: 'key', text: `${event.key} v${event.version}` }),
    h('span', { class: 'etype', text: event.type }),
    h('span', { class: 'brief', text: brief(event.data, 80) })
  );
}

function replaceHash(hash) {
  if (location.hash !== hash) window.history.replaceState(null, '', hash);
}
