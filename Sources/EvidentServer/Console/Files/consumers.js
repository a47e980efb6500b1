// Consumers: what follows the log, with its position, its lag behind the head and a chart of that lag. The
// server runs one itself, the checkpoint signer (with --signing-key). Projections and reactors of Swift programs
// keep their checkpoints in the store by name: the page shows every one the store lists (GET /_consumers), and
// the names you watch before they have a checkpoint (kept in this browser), each with GET /_consumers/{name}.
// With an admin key, parked events can be replayed: the page asks the consumer's runner to (POST
// /_consumers/{name}/replay) and shows the request pending until the runner records what it replayed.
import { api } from './api.js';
import { h, card, empty, formatNumber, formatTime, lineChart, problem, fill } from './dom.js';

export const title = 'Consumers';

const samples = 60;
const watchedKey = 'evident.console.consumers';

function watched() {
  try {
    const names = JSON.parse(localStorage.getItem(watchedKey) || '[]');
    return Array.isArray(names) ? names.filter((name) => typeof name === 'string') : [];
  } catch {
    return [];
  }
}

function setWatched(names) {
  localStorage.setItem(watchedKey, JSON.stringify(names));
}

export async function render(main, _route, context) {
  const signer = h('div', { id: 'signer' });
  const consumersBox = h('div', { class: 'grid', id: 'consumers' });
  const nameInput = h('input', { id: 'consumer-name', name: 'name', placeholder: 'a consumer’s name, such as order_totals', autocomplete: 'off', 'data-search': '' });
  main.append(
    h('h1', { text: 'Consumers and projections' }),
    h(
      'form',
      {
        class: 'toolbar',
        on: {
          submit: (event) => {
            event.preventDefault();
            const name = nameInput.value.trim();
            if (!/^[A-Za-z0-9_.:-]{1,200}$/.test(name)) {
              nameInput.setCustomValidity('A name of letters, digits, _ . : -');
              nameInput.reportValidity();
              return;
            }
            setWatched([...new Set([...watched(), name])]);
            nameInput.value = '';
            context.show();
          },
        },
      },
      h('label', { for: 'consumer-name', text: 'Watch a consumer' }),
      nameInput,
      h('button', { type: 'submit', id: 'watch-consumer' }, 'Watch')
    ),
    h('p', { class: 'muted', text: 'Projections and reactors of Swift programs (ProjectionRunner) keep their checkpoints and parked events in the store by name; every one with a checkpoint is shown, and you can watch a name before it has one (kept in this browser only). Replaying parked events runs the consumer’s own code: Replay asks the consumer’s runner to, and the request waits until that runner runs.' }),
    consumersBox
  );
  consumersBox.append(card('Checkpoint signer', signer));

  nameInput.addEventListener('input', () => nameInput.setCustomValidity(''));
  const listed = await listedConsumers(context);
  const names = [...new Set([...listed, ...watched()])];
  const lags = new Map(names.map((name) => [name, []]));
  const boxes = new Map();
  // Per consumer: what its parked section last showed (redrawn only when that changes, so focus stays on a
  // button between refreshes), and the error of its last replay request.
  const shown = new Map();
  const replayErrors = new Map();
  for (const name of names) {
    const box = h('div', { class: 'consumer', 'data-consumer': name });
    boxes.set(name, box);
    consumersBox.append(
      card(
        name,
        box,
        listed.includes(name) ? null : h(
          'button',
          {
            type: 'button',
            class: 'link',
            on: {
              click: () => {
                setWatched(watched().filter((other) => other !== name));
                context.show();
              },
            },
          },
          'Stop watching'
        )
      )
    );
  }

  const signerLags = [];
  let signing = true;
  const tick = async () => {
    const health = await api('/_health', { signal: context.signal });
    if (signing) {
      try {
        const checkpoint = await api('/_audit/head', { signal: context.signal });
        signerLags.push(Math.max(0, health.head_position - checkpoint.position));
        if (signerLags.length > samples) signerLags.shift();
        fill(signer, facts(checkpoint.position, health.head_position, signerLags, 'signer'), h('p', { class: 'muted', text: `Last signed ${checkpoint.signed_at}. It signs every 1,000 events or 10 seconds, and parks nothing.` }));
      } catch (error) {
        if (error.status !== 404) throw error;
        signing = false;
        fill(signer, empty('The server runs no checkpoint signer: start it with --signing-key FILE to sign the log’s head every 1,000 events or 10 seconds.'));
      }
    }
    await Promise.all(
      names.map(async (name) => {
        const box = boxes.get(name);
        try {
          const answer = await api(`/_consumers/${name}`, { signal: context.signal });
          const series = lags.get(name);
          series.push(answer.lag);
          if (series.length > samples) series.shift();
          if (!shown.has(name)) fill(box, h('div', { class: 'consumer-facts' }), h('div', { class: 'consumer-parked' }));
          fill(box.querySelector('.consumer-facts'), facts(answer.checkpoint, answer.head, series, name));
          const error = replayErrors.get(name);
          const state = JSON.stringify([answer.parked, answer.replay, error && error.message]);
          if (shown.get(name) !== state) {
            shown.set(name, state);
            fill(box.querySelector('.consumer-parked'), parked(answer, context.isAdmin ? replayButton : null), replayStatus(answer.replay, error));
          }
        } catch (error) {
          if (error.name === 'AbortError') throw error;
          shown.delete(name);
          fill(box, problem(error));
        }
      })
    );
  };
  // A button that asks the runner of the consumer `answer` describes to replay `positions` (all when null).
  function replayButton(answer, positions, label) {
    const name = answer.consumer;
    const button = h('button', {
      type: 'button',
      'data-replay': name,
      'data-replay-position': positions ? String(positions[0]) : null,
      'aria-label': positions ? `Replay the parked event at position ${positions[0]} of ${name}` : `Replay every parked event of ${name}`,
      disabled: answer.replay && answer.replay.status === 'pending' ? '' : null,
      on: {
        click: async () => {
          button.disabled = true;
          try {
            await api(`/_consumers/${name}/replay`, { method: 'POST', body: positions ? { positions } : undefined, signal: context.signal });
            replayErrors.delete(name);
          } catch (error) {
            if (error.name === 'AbortError') return;
            replayErrors.set(name, error);
          }
          shown.delete(name); // redraw even when the answer is the same as before (the same error again)
          await tick().catch(() => {});
        },
      },
    }, label);
    return button;
  }

  await tick();
  const timer = setInterval(() => tick().catch(() => {}), 2000);
  context.onLeave(() => clearInterval(timer));
}

// The consumers with a checkpoint in the store; none when the store keeps no checkpoints (501).
async function listedConsumers(context) {
  try {
    const answer = await api('/_consumers', { signal: context.signal });
    return answer.consumers.map((consumer) => consumer.consumer);
  } catch (error) {
    if (error.status === 501) return [];
    throw error;
  }
}

function facts(position, head, series, name) {
  const lag = Math.max(0, head - position);
  return [
    h(
      'dl',
      { class: 'facts' },
      h('dt', { text: 'Checkpoint' }),
      h('dd', { class: 'checkpoint', text: position ? formatNumber(position) : '0 (never checkpointed)' }),
      h('dt', { text: 'Log head' }),
      h('dd', { text: formatNumber(head) }),
      h('dt', { text: 'Lag' }),
      h('dd', { class: 'lag', id: name === 'signer' ? 'signer-lag' : null, text: `${formatNumber(lag)} event(s)` })
    ),
    h('div', { class: 'chart-box' }, lineChart(series, { label: `Lag of ${name}, in events` })),
    h('p', { class: 'muted', text: 'Lag in events behind the head, sampled every 2 seconds.' }),
  ];
}

// The parked events; with `replayButton` (an admin key), a Replay button for all of them and one per event.
function parked(answer, replayButton) {
  if (!answer.parked.length) return h('p', { class: 'muted', text: 'No parked events.' });
  return [
    h('h3', { text: `Parked events (${answer.parked.length})` }, replayButton ? [' ', replayButton(answer, null, 'Replay all')] : []),
    h(
      'table',
      { class: 'table parked' },
      h('thead', {}, h('tr', {}, h('th', { text: 'Position' }), h('th', { text: 'Event' }), h('th', { text: 'Error' }), h('th', { class: 'num', text: 'Tries' }), h('th', { text: 'Parked' }), replayButton ? h('th', {}, h('span', { class: 'sr-only', text: 'Replay' })) : null)),
      h(
        'tbody',
        {},
        answer.parked.map((event) => {
          const at = event.key.indexOf(':');
          return h(
            'tr',
            { 'data-position': String(event.position) },
            h('td', {}, h('a', { href: `#/log?from=${event.position}`, text: String(event.position) })),
            h('td', {}, h('a', { href: `#/aggregate/${event.key.slice(0, at)}/${event.key.slice(at + 1)}`, text: `${event.key} ${event.type}` })),
            h('td', { text: event.error }),
            h('td', { class: 'num', text: String(event.attempts) }),
            h('td', { text: formatTime(event.parked_at) }),
            replayButton ? h('td', {}, replayButton(answer, [event.position], 'Replay')) : null
          );
        })
      )
    ),
  ];
}

// The latest replay request and, once the consumer's runner honoured it, what it did; the error of the last
// request made from this page, if it failed.
function replayStatus(replay, error) {
  const lines = [];
  if (error) lines.push(problem(error));
  if (replay && replay.status === 'pending') {
    lines.push(h('p', { class: 'status replay-status', 'data-replay-status': 'pending', role: 'status', text: `Replay requested ${formatTime(replay.requested_at)} (log position ${formatNumber(replay.position)}): pending until the consumer’s runner runs and takes it.` }));
  } else if (replay && replay.status === 'completed') {
    const list = (positions) => (positions.length ? positions.map(String).join(', ') : 'none');
    lines.push(h('p', { class: 'status replay-status', 'data-replay-status': 'completed', role: 'status', text: `Last replay, requested ${formatTime(replay.requested_at)}: completed. Replayed: ${list(replay.replayed)}. Still parked: ${list(replay.still_parked)}.` }));
  }
  return lines;
}
