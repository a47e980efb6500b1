// The spec in force; edit it and dry-run the edit against the stored events (the problems with their paths),
// and, with an admin key, store it as the next version. Every stored version is listed (GET /_spec/versions),
// and any of them can be compared with the one in force, field by field, or (admin) rolled back to.
import { api, splitKey } from './api.js';
import { h, card, problem, fill, brief, empty, formatTime } from './dom.js';
import { diff } from './aggregate.js';

export const title = 'Spec';

export async function render(main, _route, context) {
  const current = await api('/_spec', { signal: context.signal });
  const editor = h('textarea', { id: 'spec-editor', class: 'editor', spellcheck: 'false', rows: '24', 'aria-label': 'Spec (JSON)' });
  editor.value = JSON.stringify(current.spec, null, 2);
  const result = h('div', { id: 'spec-result', role: 'status', 'aria-live': 'polite' });
  const actions = h('div', { class: 'row' });
  const versionsBox = h('div', { id: 'spec-versions-box' }, h('p', { class: 'muted', text: 'Loading the versions…' }));
  const diffBox = h('div', { id: 'spec-diff-box', role: 'status', 'aria-live': 'polite' });

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
      ),
      card('Edit', editor, actions, result)
    ),
    card('Versions', versionsBox, diffBox)
  );
  loadVersions();

  async function put(dryRun, force = false) {
    fill(result, h('p', { class: 'muted', text: dryRun ? 'Checking…' : 'Storing…' }));
    try {
      const query = dryRun ? '?dry_run=true' : force ? '?force=true' : '';
      const answer = await api(`/_spec${query}`, { method: 'PUT', body: editor.value, signal: context.signal });
      fill(result, ...(dryRun ? dryRunReport(answer) : [h('p', { class: 'ok', text: `Stored as version ${answer.version} (hash ${answer.hash}).` })]), ...warnings(answer));
      if (!dryRun) context.show();
    } catch (error) {
      if (error.name === 'AbortError') return;
      if (error.status === 422 && error.body && error.body.problems) fill(result, problems(error.body));
      else if (error.status === 409 && error.body && error.body.problems) fill(result, refusal(error.body, 'Store it anyway', () => put(false, true)));
      else fill(result, problem(error));
    }
  }

  async function loadVersions() {
    try {
      const answer = await api('/_spec/versions?limit=100', { signal: context.signal });
      if (!answer.versions.length) return fill(versionsBox, empty('No version is stored.'));
      fill(
        versionsBox,
        h(
          'table',
          { class: 'table', id: 'spec-versions' },
          h('thead', {}, h('tr', {}, h('th', { text: 'Version' }), h('th', { text: 'Stored' }), h('th', { text: 'Hash' }), h('th', { text: '' }))),
          h('tbody', {}, answer.versions.map((version) => versionRow(version)))
        ),
        answer.next ? h('p', { class: 'muted', text: `The ${answer.versions.length} newest versions; older ones: GET /_spec/versions?before=${answer.next}.` }) : null
      );
    } catch (error) {
      if (error.name !== 'AbortError') fill(versionsBox, problem(error));
    }
  }

  function versionRow(version) {
    const inForce = version.version === current.version;
    return h(
      'tr',
      { 'data-version': String(version.version), class: inForce ? 'in-force' : null },
      h('td', { class: 'num', text: `v${version.version}` }),
      h('td', { text: formatTime(version.stored_at) }),
      h('td', { class: 'mono', title: version.hash, text: version.hash.slice(0, 12) }),
      h(
        'td',
        {},
        inForce
          ? h('span', { class: 'badge', text: 'in force' })
          : [
              h('button', { type: 'button', class: 'link compare', on: { click: () => compare(version.version) } }, 'Compare with the spec in force'),
              ' ',
              context.isAdmin ? h('button', { type: 'button', class: 'link rollback', on: { click: () => confirmRollback(version.version) } }, 'Roll back…') : null,
            ]
      )
    );
  }

  async function compare(number) {
    fill(diffBox, h('p', { class: 'muted', text: `Comparing version ${number}…` }));
    try {
      const earlier = await api(`/_spec/versions/${number}`, { signal: context.signal });
      const changes = diff(earlier.spec, current.spec);
      fill(
        diffBox,
        h('h3', { id: 'spec-diff-title', text: `From version ${number} to version ${current.version} (in force): ${changes.length} difference(s)` }),
        changes.length
          ? h(
              'table',
              { class: 'table diff', id: 'spec-diff' },
              h('thead', {}, h('tr', {}, h('th', { text: 'Path' }), h('th', { text: `Version ${number}` }), h('th', { text: `Version ${current.version}` }))),
              h('tbody', {}, changes.map((change) => h('tr', { class: change.kind, 'data-path': change.path }, h('td', { class: 'mono', text: change.path }), h('td', { class: 'before', text: brief(change.before) }), h('td', { class: 'after', text: brief(change.after) }))))
            )
          : empty('The two versions are the same document.')
      );
    } catch (error) {
      if (error.name !== 'AbortError') fill(diffBox, problem(error));
    }
  }

  function confirmRollback(number) {
    fill(
      diffBox,
      h(
        'div',
        { class: 'confirm', role: 'alertdialog', 'aria-label': 'Roll back the spec' },
        h('p', { text: `Store version ${number}'s document again, as version ${current.version + 1}? History is kept: the versions in between stay listed.` }),
        h('button', { type: 'button', class: 'danger', id: 'confirm-rollback', on: { click: () => rollback(number, false) } }, 'Roll back'),
        h('button', { type: 'button', on: { click: () => fill(diffBox) } }, 'Cancel')
      )
    );
  }

  async function rollback(number, force) {
    fill(diffBox, h('p', { class: 'muted', text: 'Rolling back…' }));
    try {
      await api(`/_spec/rollback${force ? '?force=true' : ''}`, { method: 'POST', body: { version: number }, signal: context.signal });
      context.show();
    } catch (error) {
      if (error.name === 'AbortError') return;
      if (error.status === 409 && error.body && error.body.problems) fill(diffBox, refusal(error.body, 'Roll back anyway', () => rollback(number, true)));
      else fill(diffBox, problem(error));
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

/// A spec (or rollback) refused because it would break stored events: each problem by event type, and a button
/// that stores it anyway.
function refusal(body, force, onForce) {
  return h(
    'div',
    { class: 'problems' },
    h('h3', { text: body.error }),
    changeProblems(body.problems),
    h('button', { type: 'button', class: 'danger', id: 'force-store', on: { click: onForce } }, force)
  );
}

const problemKinds = {
  removed_event_type: 'event type removed',
  fails_to_fold: 'would fail to fold',
  narrowed_schema: 'schema no longer satisfied',
};

/// The problems a new spec would cause, by event type: `{kind, aggregate_type, event_type, events, first, error?}`.
function changeProblems(list) {
  return h(
    'table',
    { class: 'table', id: 'spec-change-problems' },
    h('thead', {}, h('tr', {}, h('th', { text: 'Event type' }), h('th', { text: 'Problem' }), h('th', { class: 'num', text: 'Stored events' }), h('th', { text: 'First' }))),
    h(
      'tbody',
      {},
      list.map((item) => {
        const { type, id } = splitKey(item.first.key);
        return h(
          'tr',
          { 'data-kind': item.kind },
          h('td', { class: 'mono', text: `${item.aggregate_type}.${item.event_type}` }),
          h('td', { class: 'problem-path', text: problemKinds[item.kind] || item.kind, title: item.error || null }),
          h('td', { class: 'num', text: String(item.events) }),
          h('td', {}, h('a', { href: `#/aggregate/${type}/${id}?version=${item.first.version}`, text: `${item.first.key} v${item.first.version}` }))
        );
      })
    )
  );
}

function warnings(answer) {
  if (!answer.warnings || !answer.warnings.length) return [];
  return [h('h3', { text: 'Warnings' }), h('ul', { class: 'warnings' }, answer.warnings.map((item) => h('li', {}, h('code', { class: 'problem-path', text: item.path }), ' ', h('span', { text: item.message }))))];
}

function dryRunReport(answer) {
  const summary = `${answer.streams_checked} stream(s) and ${answer.events_checked} event(s) folded under this spec${answer.sampled ? ' (a sample: the first streams only)' : ''}.`;
  const refused = answer.problems && answer.problems.length ? [h('p', { class: 'bad', text: 'Storing it would be refused (unless forced): it would break stored events.' }), changeProblems(answer.problems)] : [];
  if (!answer.failures.length) return [h('p', { class: refused.length ? 'bad' : 'ok', id: 'dry-run-ok', text: `No stored event fails to fold. ${summary}` }), ...refused];
  return [
    ...refused,
    h('p', { class: 'bad', text: `${answer.failure_count} stored event(s) would no longer fold${answer.failure_count > answer.failures.length ? ` (the first ${answer.failures.length} are listed)` : ''}. ${summary}` }),
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

