// One aggregate: its events in order (paged, only the rows in view in the page), a time-travel slider with the
// state at each version and what that version's event changed, field by field, and "explain a field": the
// events that set or changed it, newest first. States come from GET /{type}/{id}?version=N.
import { api, aggregatePath, isPathSafe } from './api.js';
import { h, VirtualList, brief, card, empty, formatTime, pretty, fill } from './dom.js';
import { relations } from './log.js';

export const title = 'Aggregate';

const pageSize = 100;
const explainRound = 200;
const parallel = 8;

export async function render(main, route, context) {
  const [type, ...rest] = route.segments;
  const id = rest.join('/');
  if (!type || !id) return renderSearch(main, route, context);
  return renderAggregate(main, type, id, route, context);
}

async function renderSearch(main, { query }, context) {
  const spec = await api('/_spec', { signal: context.signal });
  const types = Object.keys(spec.spec.aggregate_types || {}).sort();
  if (!types.length) {
    main.append(h('h1', { text: 'Aggregates' }), empty('The spec declares no aggregate types.'));
    return;
  }
  const chosen = types.includes(query.get('type')) ? query.get('type') : types[0];
  const typeSelect = h('select', { id: 'search-type', name: 'type' }, types.map((type) => h('option', { value: type, text: type, selected: type === chosen })));
  const idInput = h('input', { id: 'search-id', name: 'id', placeholder: 'id, or part of one', autocomplete: 'off', 'data-search': '', list: 'search-suggestions' });
  const suggestions = h('datalist', { id: 'search-suggestions' });
  const results = h('div', { id: 'search-results' });
  const message = h('p', { class: 'status', role: 'status' });
  let timer = null;

  const refresh = async () => {
    const text = idInput.value.trim();
    const parameters = new URLSearchParams({ type: typeSelect.value, limit: '20' });
    if (text) parameters.set('search', text);
    const answer = await api(`/_streams?${parameters}`, { signal: context.signal });
    fill(suggestions, ...answer.ids.map((id) => h('option', { value: id })));
    fill(results, 
      answer.ids.length
        ? h('ul', { class: 'links' }, answer.ids.map((id) => h('li', {}, h('a', { href: `#/aggregate/${typeSelect.value}/${id}`, text: `${typeSelect.value}:${id}` }))))
        : empty(text ? `No ${typeSelect.value} created recently has an id containing '${text}'. Type a whole id and press Enter to open it.` : `No ${typeSelect.value} yet.`)
    );
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(() => context.guard(refresh), 200);
  };
  context.onLeave(() => clearTimeout(timer));

  main.append(
    h('h1', { text: 'Aggregates' }),
    h(
      'form',
      {
        class: 'toolbar',
        on: {
          submit: (event) => {
            event.preventDefault();
            const id = idInput.value.trim();
            if (!isPathSafe(id)) {
              message.textContent = `'${id}' is not an id: ids are UUIDs, 9-character codes, singletons or uuid:tag.`;
              return;
            }
            location.hash = `#/aggregate/${typeSelect.value}/${id}`;
          },
        },
      },
      h('label', { for: 'search-type', text: 'Type' }),
      typeSelect,
      h('label', { for: 'search-id', text: 'Id' }),
      idInput,
      suggestions,
      h('button', { type: 'submit', id: 'open-aggregate' }, 'Open')
    ),
    message,
    card('Streams created last', h('p', { class: 'muted', text: 'The search looks through the 1,000 streams of each type created last; any id can be opened whole.' }), results)
  );
  typeSelect.addEventListener('change', later);
  idInput.addEventListener('input', later);
  await refresh();
}

async function renderAggregate(main, type, id, { query }, context) {
  const base = aggregatePath(type, id);
  const { length } = await api(`${base}/length`, { signal: context.signal });
  main.append(h('h1', {}, h('span', { class: 'muted', text: `${type}:` }), h('span', { class: 'mono', text: id })));
  if (length === 0) {
    main.append(empty(`${type}:${id} has no events.`, h('a', { href: `#/aggregate?type=${type}`, text: '← Search aggregates' })));
    return;
  }

  const events = new Array(length);
  const loadingPages = new Set();
  const states = new Map();
  let version = Math.min(length, Math.max(1, Number(query.get('version')) || length));
  let explained = null;

  const slider = h('input', { type: 'range', id: 'version', min: '1', max: String(length), value: String(version), 'aria-label': 'Version' });
  const versionLabel = h('output', { id: 'version-label', for: 'version' });
  const previous = h('button', { type: 'button', id: 'previous-version', 'aria-label': 'Previous version', on: { click: () => go(version - 1) } }, '◀');
  const next = h('button', { type: 'button', id: 'next-version', 'aria-label': 'Next version', on: { click: () => go(version + 1) } }, '▶');
  const stateBox = h('div', { id: 'state' });
  const changesBox = h('div', { id: 'changes' });
  const eventBox = h('div', { id: 'event' });
  const explainBox = h('div', { id: 'explain' }, empty('Click a field of the state to see the events that set or changed it.'));
  const list = new VirtualList({
    label: 'Events of the aggregate',
    fitUpTo: 420,
    renderRow: (index) => {
      const event = events[index];
      if (!event) return h('div', { class: 'muted' }, h('span', { class: 'pos', text: `v${index + 1}` }), ' …');
      return h('div', { 'data-version': String(index + 1) }, h('span', { class: 'pos', text: `v${event.version}` }), h('span', { class: 'etype', text: event.type }), h('span', { class: 'time', text: formatTime(event.metadata && event.metadata.timestamp) }), h('span', { class: 'brief', text: brief(event.data, 60) }));
    },
    onSelect: (index) => go(index + 1, { fromList: true }),
    onRange: (first, last) => {
      for (let page = Math.floor(first / pageSize); page <= Math.floor(last / pageSize); page++) loadPage(page);
    },
  });
  list.setCount(length);

  main.append(
    h(
      'div',
      { class: 'slider' },
      h('label', { for: 'version', text: 'Time travel' }),
      previous,
      slider,
      next,
      versionLabel
    ),
    h(
      'div',
      { class: 'aggregate-grid' },
      card(`Events (${length})`, list.element),
      card('State', stateBox),
      card('What this event changed', changesBox),
      card('Explain a field', explainBox),
      card('The event', eventBox)
    )
  );

  let timer = null;
  slider.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => go(Number(slider.value)), 120);
  });
  context.onLeave(() => clearTimeout(timer));

  async function loadPage(page) {
    if (loadingPages.has(page)) return;
    loadingPages.add(page);
    try {
      const answer = await api(`${base}/events?from=${page * pageSize + 1}&limit=${pageSize}`, { signal: context.signal });
      for (const event of answer.events) events[event.version - 1] = event;
      list.refresh();
      if (events[version - 1]) showEvent();
    } catch (error) {
      loadingPages.delete(page);
      if (error.name !== 'AbortError') fill(eventBox, empty(error.message));
    }
  }

  async function stateAt(at) {
    if (at === 0) return {};
    if (!states.has(at)) {
      const promise = api(`${base}?version=${at}`, { signal: context.signal }).then((answer) => answer.data);
      states.set(at, promise);
      promise.catch(() => states.delete(at));
      if (states.size > 600) states.delete(states.keys().next().value);
    }
    return states.get(at);
  }

  let showing = 0;
  async function go(target, { fromList = false } = {}) {
    if (target < 1 || target > length) return;
    version = target;
    slider.value = String(version);
    versionLabel.textContent = `version ${version} of ${length}`;
    previous.disabled = version === 1;
    next.disabled = version === length;
    if (!fromList) {
      list.selected = version - 1;
      list.scrollTo(version - 1);
    }
    const hash = `#/aggregate/${type}/${id}?version=${version}`;
    if (location.hash !== hash) window.history.replaceState(null, '', hash);
    const ticket = ++showing;
    await context.guard(async () => {
      const [state, before] = await Promise.all([stateAt(version), stateAt(version - 1)]);
      if (ticket !== showing) return;
      const changes = diff(before, state);
      const changed = new Set(changes.map((change) => change.path));
      fill(stateBox, h('p', { class: 'muted', id: 'state-version', text: `State after version ${version}` }), tree(state, [], changed, explain));
      fill(changesBox, 
        changes.length
          ? h(
              'table',
              { class: 'table diff' },
              h('thead', {}, h('tr', {}, h('th', { text: 'Field' }), h('th', { text: 'Before' }), h('th', { text: 'After' }))),
              h('tbody', {}, changes.map((change) => h('tr', { class: change.kind, 'data-path': change.path }, h('td', { class: 'mono', text: change.path }), h('td', { class: 'before', text: brief(change.before) }), h('td', { class: 'after', text: brief(change.after) }))))
            )
          : empty(version === 1 ? 'The first event left the state empty.' : 'This event changed nothing in the state.')
      );
      showEvent();
      loadPage(Math.floor((version - 1) / pageSize));
    });
  }

  function showEvent() {
    const event = events[version - 1];
    if (!event) {
      fill(eventBox, h('p', { class: 'muted', text: 'Loading…' }));
      return;
    }
    fill(eventBox, 
      h('dl', { class: 'facts' }, h('dt', { text: 'Type' }), h('dd', { id: 'event-type', text: event.type }), h('dt', { text: 'Version' }), h('dd', { text: String(event.version) }), h('dt', { text: 'Position' }), h('dd', {}, h('a', { href: `#/log?from=${event.position}`, text: String(event.position) })), h('dt', { text: 'Recorded' }), h('dd', { text: formatTime(event.metadata && event.metadata.timestamp) }), h('dt', { text: 'Id' }), h('dd', { class: 'mono', text: event.id }), relations(event.metadata || {})),
      h('h3', { text: 'Data' }),
      pretty(event.data),
      h('h3', { text: 'Metadata' }),
      pretty(event.metadata)
    );
  }

  // Explain a field: walk back from the version shown, comparing the field in each state with the one before.
  async function explain(path) {
    explained = { path, key: pathText(path), from: version, found: [] };
    await explainMore(explained);
  }

  async function explainMore(run) {
    const upTo = run.from;
    const down = Math.max(1, upTo - explainRound + 1);
    fill(explainBox, h('p', { class: 'muted', text: `Reading versions ${down} to ${upTo}…` }));
    await context.guard(async () => {
      const versions = [];
      for (let at = upTo; at >= down; at--) versions.push(at);
      const values = new Map();
      for (let index = 0; index < versions.length; index += parallel) {
        const chunk = versions.slice(index, index + parallel);
        const answers = await Promise.all(chunk.map((at) => stateAt(at)));
        chunk.forEach((at, position) => values.set(at, valueAt(answers[position], run.path)));
      }
      if (down > 1) values.set(down - 1, valueAt(await stateAt(down - 1), run.path));
      else values.set(0, undefined);
      for (const at of versions) {
        const before = values.get(at - 1);
        const after = values.get(at);
        if (JSON.stringify(before) !== JSON.stringify(after)) run.found.push({ version: at, before, after });
      }
      run.from = down - 1;
      if (explained !== run) return;
      for (const item of run.found) {
        const page = Math.floor((item.version - 1) / pageSize);
        if (!events[item.version - 1]) await loadPage(page);
      }
      fill(explainBox, 
        h('p', {}, 'Events that set or changed ', h('code', { id: 'explain-path', text: run.key }), ', newest first:'),
        run.found.length
          ? h(
              'ol',
              { class: 'explain', id: 'explain-list' },
              run.found.map((item) => {
                const event = events[item.version - 1];
                return h(
                  'li',
                  { 'data-version': String(item.version) },
                  h('button', { type: 'button', class: 'link', on: { click: () => go(item.version) } }, `v${item.version}`),
                  ' ',
                  h('span', { class: 'etype', text: event ? event.type : '' }),
                  ' ',
                  h('span', { class: 'before', text: brief(item.before, 60) }),
                  ' → ',
                  h('span', { class: 'after', text: brief(item.after, 60) })
                );
              })
            )
          : empty(`No event from version ${run.from + 1} to ${upTo} changed it.`),
        run.from >= 1 ? h('button', { type: 'button', id: 'explain-more', on: { click: () => explainMore(run) } }, `Look at ${Math.min(explainRound, run.from)} earlier versions`) : null
      );
    });
  }

  await go(version);
}

/// The fields of `value` as a tree; each field's name is a button that explains it; `changed` paths are
/// highlighted.
function tree(value, path, changed, onField) {
  if (value === null || typeof value !== 'object') return h('span', { class: 'value', 'data-path': pathText(path), text: JSON.stringify(value) });
  const entries = Array.isArray(value) ? value.map((item, index) => [index, item]) : Object.entries(value);
  if (!entries.length) return h('span', { class: 'value', 'data-path': pathText(path), text: Array.isArray(value) ? '[]' : '{}' });
  return h(
    'ul',
    { class: 'tree' },
    entries.map(([name, item]) => {
      const itemPath = [...path, name];
      const text = pathText(itemPath);
      return h(
        'li',
        { class: changed.has(text) || [...changed].some((path) => path.startsWith(`${text}.`) || path.startsWith(`${text}[`)) ? 'changed' : null },
        h('button', { type: 'button', class: 'field', 'data-field': text, title: `Explain ${text}`, on: { click: () => onField(itemPath) } }, Array.isArray(value) ? `[${name}]` : String(name)),
        ': ',
        tree(item, itemPath, changed, onField)
      );
    })
  );
}

export function pathText(path) {
  let text = '';
  for (const part of path) text += typeof part === 'number' ? `[${part}]` : text ? `.${part}` : part;
  return text;
}

function valueAt(value, path) {
  let current = value;
  for (const part of path) {
    if (current === null || typeof current !== 'object' || !(part in current)) return undefined;
    current = current[part];
  }
  return current;
}

/// The leaves that differ between two states: `{path, kind: added|removed|changed, before, after}`.
export function diff(before, after) {
  const changes = [];
  const walk = (a, b, path) => {
    const aObject = a !== null && typeof a === 'object';
    const bObject = b !== null && typeof b === 'object';
    if (aObject && bObject && Array.isArray(a) === Array.isArray(b)) {
      const names = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const name of names) {
        const part = Array.isArray(a) ? Number(name) : name;
        walk(a[name], b[name], [...path, part]);
      }
      return;
    }
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    const kind = a === undefined ? 'added' : b === undefined ? 'removed' : 'changed';
    changes.push({ path: pathText(path), kind, before: a, after: b });
  };
  walk(before || {}, after || {}, []);
  return changes;
}
