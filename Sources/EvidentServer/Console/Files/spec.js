// The spec in force; edit it and dry-run the edit against the stored events (the problems with their paths),
// and, with an admin key, store it as the next version.
import { api, splitKey } from './api.js';
import { h, card, problem, fill } from './dom.js';

export const title = 'Spec';

export async function render(main, _route, context) {
  const current = await api('/_spec', { signal: context.signal });
  const editor = h('textarea', { id: 'spec-editor', class: 'editor', spellcheck: 'false', rows: '24', 'aria-label': 'Spec (JSON)' });
  editor.value = JSON.stringify(current.spec, null, 2);
  const result = h('div', { id: 'spec-result', role: 'status', 'aria-live': 'polite' });
  const actions = h('div', { class: 'row' });

  if (context.isAdmin) {
    const dryRun = h('button', { type: 'button', id: 'dry-run', on: { click: () => put(true) } }, 'Dry run');
    const store = h('button', { type: 'button', id: 'store-spec', class: 'danger', on: { click: () => confirmStore() } }, 'Store as a new version…');
    const reset = h('button', { type: 'button', class: 'link', on: { click: () => (editor.value = JSON.stringify(current.spec, null, 2)) } }, 'Undo edits');
    actions.append(dryRun, store, reset);
  } else {
    actions.append(h('p', { class: 'muted', id: 'spec-read-only', text: 'Dry runs and storing a spec (PUT /_spec) need an admin key; this key may only read it.' }));
  }

  main.append(
    h('h1', { text: 'Spec' }),
    h(
      'div',
      { class: 'spec-grid' },
      card(
        'In force',
        h('dl', { class: 'facts' }, h('dt', { text: 'Version' }), h('dd', { id: 'spec-version', text: String(current.version) }), h('dt', { text: 'Hash' }), h('dd', { class: 'mono', text: current.hash })),
        h('p', { class: 'muted', text: 'Earlier versions and their differences: no API lists them yet (GET /_spec answers the version in force).' })
      ),
      card('Edit', editor, actions, result)
    )
  );

  async function put(dryRun) {
    fill(result, h('p', { class: 'muted', text: dryRun ? 'Checking…' : 'Storing…' }));
    try {
      const answer = await api(`/_spec${dryRun ? '?dry_run=true' : ''}`, { method: 'PUT', body: editor.value, signal: context.signal });
      fill(result, ...(dryRun ? dryRunReport(answer) : [h('p', { class: 'ok', text: `Stored as version ${answer.version} (hash ${answer.hash}).` })]), ...warnings(answer));
      if (!dryRun) context.show();
    } catch (error) {
      if (error.name === 'AbortError') return;
      if (error.status === 422 && error.body && error.body.problems) fill(result, problems(error.body));
      else fill(result, problem(error));
    }
  }

  function confirmStore() {
    fill(result, 
      h(
        'div',
        { class: 'confirm', role: 'alertdialog', 'aria-label': 'Store the spec' },
        h('p', { text: `Store this spec as version ${current.version + 1}? It takes effect for the next request; stored events are never rewritten. Dry-run it first.` }),
        h('button', { type: 'button', class: 'danger', id: 'confirm-store', on: { click: () => put(false) } }, 'Store it'),
        h('button', { type: 'button', on: { click: () => fill(result) } }, 'Cancel')
      )
    );
  }
}

function problems(body) {
  return h(
    'div',
    { class: 'problems' },
    h('h3', { text: body.error }),
    h('ul', { id: 'spec-problems' }, body.problems.map((item) => h('li', {}, h('code', { class: 'problem-path', text: item.path || '(the document)' }), ' ', h('span', { text: item.message }))))
  );
}

function warnings(answer) {
  if (!answer.warnings || !answer.warnings.length) return [];
  return [h('h3', { text: 'Warnings' }), h('ul', { class: 'warnings' }, answer.warnings.map((item) => h('li', {}, h('code', { class: 'problem-path', text: item.path }), ' ', h('span', { text: item.message }))))];
}

function dryRunReport(answer) {
  const summary = `${answer.streams_checked} stream(s) and ${answer.events_checked} event(s) folded under this spec${answer.sampled ? ' (a sample: the first streams only)' : ''}.`;
  if (!answer.failures.length) return [h('p', { class: 'ok', id: 'dry-run-ok', text: `No stored event fails. ${summary}` })];
  return [
    h('p', { class: 'bad', text: `${answer.failures.length} stored event(s) would no longer fold. ${summary}` }),
    h(
      'table',
      { class: 'table', id: 'dry-run-failures' },
      h('thead', {}, h('tr', {}, h('th', { text: 'Event' }), h('th', { text: 'Problem' }))),
      h(
        'tbody',
        {},
        answer.failures.map((failure) => {
          const { type, id } = splitKey(failure.key);
          return h('tr', {}, h('td', {}, h('a', { href: `#/aggregate/${type}/${id}?version=${failure.version}`, text: `${failure.key} v${failure.version}` })), h('td', { class: 'problem-path', text: failure.error }));
        })
      )
    ),
  ];
}

