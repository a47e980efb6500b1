// The overview: the rate of appends, the head of the log, streams per aggregate type, the spec in force, the
// latest signed checkpoint, the last verification of the chain and the nodes serving the store.
import { api, splitKey } from './api.js';
import { h, card, empty, formatNumber, formatTime, lineChart, problem, fill } from './dom.js';

export const title = 'Overview';

const samples = 60;

export async function render(main, _route, context) {
  const rateValue = h('p', { class: 'big', id: 'rate', text: '—' });
  const rateChart = h('div', { class: 'chart-box' }, lineChart([], { label: 'Events appended per second' }));
  const headValue = h('p', { class: 'big', id: 'head', text: '—' });
  const recent = h('ol', { class: 'recent', id: 'recent' });
  const streams = h('div', { id: 'streams' }, h('p', { class: 'muted', text: 'Counting…' }));
  const specBox = h('div', { id: 'spec-summary' });
  const checkpoint = h('div', { id: 'checkpoint' });
  const verification = h('div', { id: 'verification' });
  const nodes = h('div', { id: 'nodes-summary' });
  main.append(
    h('h1', { text: 'Overview' }),
    h(
      'div',
      { class: 'grid' },
      card('Events appended per second', rateValue, rateChart, h('p', { class: 'muted', text: 'From the log head, sampled every second (system events included).' })),
      card('Log head', headValue, recent, h('a', { href: '#/log', text: 'Open the live log →' })),
      card('Streams per aggregate type', streams),
      card('Spec in force', specBox),
      card('Latest signed checkpoint', checkpoint),
      card('Chain verification', verification),
      wide(card('Nodes', nodes))
    )
  );

  const [current, catalog] = await Promise.all([api('/_spec', { signal: context.signal }), api('/_streams', { signal: context.signal })]);
  fill(specBox, 
    h('dl', { class: 'facts' }, h('dt', { text: 'Version' }), h('dd', { id: 'spec-version', text: String(current.version) }), h('dt', { text: 'Hash' }), h('dd', { class: 'mono', text: current.hash }), h('dt', { text: 'Aggregate types' }), h('dd', { text: Object.keys(current.spec.aggregate_types || {}).join(', ') || '—' })),
    h('a', { href: '#/spec', text: 'Open the spec →' })
  );
  renderStreams(streams, catalog);
  await Promise.all([renderVerification(verification, context), renderNodes(nodes, context), renderCheckpoint(checkpoint, context)]);

  // The rate: the head position sampled every second (GET /_health needs no key and reads no events).
  const rates = [];
  let last = null;
  let lastRecent = -1;
  const tick = async () => {
    try {
      const health = await api('/_health', { signal: context.signal });
      const now = performance.now();
      if (last) rates.push(Math.max(0, ((health.head_position - last.head) * 1000) / (now - last.time)));
      if (rates.length > samples) rates.shift();
      last = { head: health.head_position, time: now };
      headValue.textContent = formatNumber(health.head_position);
      rateValue.textContent = rates.length ? `${rates[rates.length - 1].toFixed(1)} /s` : '—';
      fill(rateChart, lineChart(rates, { label: 'Events appended per second' }));
      if (health.head_position !== lastRecent) {
        lastRecent = health.head_position;
        await renderRecent(recent, health.head_position, context);
      }
    } catch (error) {
      if (error.name === 'AbortError') return;
      rateValue.textContent = 'no answer';
    }
  };
  await tick();
  const timer = setInterval(tick, 1000);
  context.onLeave(() => clearInterval(timer));
}

function wide(section) {
  section.classList.add('wide');
  return section;
}

async function renderRecent(list, head, context) {
  const page = await api(`/_log?after=${Math.max(0, head - 100)}&limit=100`, { signal: context.signal });
  const events = page.events.slice(-8).reverse();
  if (!events.length) {
    fill(list, h('li', { class: 'muted', text: 'No events yet.' }));
    return;
  }
  fill(list, 
    ...events.map((event) => {
      const { type, id } = splitKey(event.key);
      return h(
        'li',
        {},
        h('span', { class: 'pos', text: `#${event.position}` }),
        ' ',
        h('a', { href: `#/aggregate/${type}/${id}?version=${event.version}`, text: `${event.key} v${event.version}` }),
        ' ',
        h('span', { class: 'etype', text: event.type })
      );
    })
  );
}

function renderStreams(box, catalog) {
  if (!catalog.types.length) {
    fill(box, empty('No aggregate types: store a spec first.'));
    return;
  }
  fill(box, 
    h(
      'table',
      { class: 'table' },
      h('thead', {}, h('tr', {}, h('th', { text: 'Aggregate type' }), h('th', { class: 'num', text: 'Streams' }), h('th', { class: 'num', text: 'Events' }))),
      h(
        'tbody',
        {},
        catalog.types.map((entry) =>
          h(
            'tr',
            { 'data-type': entry.type },
            h('td', {}, h('a', { href: `#/aggregate?type=${entry.type}`, text: entry.type })),
            h('td', { class: 'num', text: formatNumber(entry.streams) }),
            h('td', { class: 'num', text: formatNumber(entry.events) })
          )
        )
      )
    ),
    catalog.complete ? null : h('p', { class: 'muted', text: `Counted up to position ${formatNumber(catalog.position)} of ${formatNumber(catalog.head)}; reload to count further.` })
  );
}

async function renderCheckpoint(box, context) {
  try {
    const head = await api('/_audit/head', { signal: context.signal });
    fill(box, 
      h(
        'dl',
        { class: 'facts' },
        h('dt', { text: 'Position' }),
        h('dd', { id: 'checkpoint-position', text: formatNumber(head.position) }),
        h('dt', { text: 'Signed at' }),
        h('dd', { text: head.signed_at }),
        h('dt', { text: 'Hash' }),
        h('dd', { class: 'mono', text: head.hash }),
        h('dt', { text: 'Public key' }),
        h('dd', { class: 'mono', text: head.public_key })
      )
    );
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    if (error.status === 404) fill(box, empty('No signed checkpoint: the server signs the log’s head when started with --signing-key.'));
    else fill(box, problem(error));
  }
}

// The latest run of GET /_verify, by anyone: the server records each in $audit:verifications.
async function renderVerification(box, context) {
  const result = h('p', { id: 'verify-result', text: 'Looking…' });
  const show = async () => {
    const answer = await api('/_audit/verifications?limit=1', { signal: context.signal });
    result.textContent = describe(answer.verifications[0]);
  };
  try {
    await show();
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    fill(box, problem(error));
    return;
  }
  if (!context.isAdmin) {
    fill(box, result, h('p', { class: 'muted', text: 'Verifying the chain (GET /_verify) needs an admin key; `evident verify` checks a copy without recording it.' }));
    return;
  }
  const button = h('button', {
    type: 'button',
    id: 'verify',
    on: {
      click: async () => {
        button.disabled = true;
        result.textContent = 'Verifying…';
        try {
          await api('/_verify', { signal: context.signal });
          await show();
        } catch (error) {
          if (error.name !== 'AbortError') result.textContent = error.message;
        } finally {
          button.disabled = false;
        }
      },
    },
  }, 'Verify the chain now');
  fill(box, result, button, h('p', { class: 'muted', text: 'Reads the whole log: on a large store this takes a while.' }));
}

function describe(run) {
  if (!run) return 'Chain last verified: never.';
  const outcome = run.ok ? 'ok' : `TAMPERED at ${formatNumber(run.tampered_at)}: ${run.reason}`;
  return `Chain last verified: ${formatTime(Date.parse(run.verified_at) / 1000)} (through position ${formatNumber(run.through)}, ${outcome}).`;
}

// The server processes serving the store: on PostgreSQL each records itself every 10 s; alive when seen within 30 s.
async function renderNodes(box, context) {
  try {
    const { nodes } = await api('/_nodes', { signal: context.signal });
    if (!nodes.length) {
      fill(box, empty('No node has recorded itself yet.'));
      return;
    }
    fill(box, 
      h(
        'table',
        { class: 'table', id: 'nodes' },
        h('thead', {}, h('tr', {}, h('th', { text: 'Address' }), h('th', { text: 'Version' }), h('th', { text: 'Started' }), h('th', { text: 'Last seen' }), h('th', { text: 'State' }))),
        h(
          'tbody',
          {},
          nodes.map((node) =>
            h(
              'tr',
              { 'data-node': node.id, class: node.alive ? '' : 'muted' },
              h('td', { class: 'mono', text: `${node.address || '—'}${node.self ? ' (this one)' : ''}` }),
              h('td', { text: node.version }),
              h('td', { text: formatTime(Date.parse(node.started_at) / 1000) }),
              h('td', { text: formatTime(Date.parse(node.last_seen_at) / 1000) }),
              h('td', { class: 'node-state', text: node.alive ? 'alive' : 'stale' })
            )
          )
        )
      )
    );
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    fill(box, problem(error));
  }
}
