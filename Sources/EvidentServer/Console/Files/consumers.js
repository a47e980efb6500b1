// Consumers: what follows the log, with its position, its lag behind the head and a chart of that lag. The
// server itself runs one, the checkpoint signer (with --signing-key); no API lists the projections and
// reactors of Swift programs yet (docs/console.md says why), so this page says so rather than guess.
import { api } from './api.js';
import { h, card, empty, formatNumber, lineChart, fill } from './dom.js';

export const title = 'Consumers';

const samples = 60;

export async function render(main, _route, context) {
  const signer = h('div', { id: 'signer' });
  main.append(
    h('h1', { text: 'Consumers and projections' }),
    h(
      'div',
      { class: 'grid' },
      card('Checkpoint signer', signer),
      card(
        'Projections and reactors',
        empty(
          'No API lists catch-up projections and reactors yet: they run in Swift programs (ProjectionRunner), which keep their checkpoints and parked events in the store, and the server has no route that reads them. Their lag is the log head (on the overview) less their checkpoint.'
        )
      )
    )
  );

  const lags = [];
  const tick = async () => {
    let head;
    let checkpoint;
    try {
      [head, checkpoint] = await Promise.all([api('/_health', { signal: context.signal }), api('/_audit/head', { signal: context.signal })]);
    } catch (error) {
      if (error.name === 'AbortError') return false;
      if (error.status === 404) {
        fill(signer, empty('The server runs no checkpoint signer: start it with --signing-key FILE to sign the log’s head every 1,000 events or 10 seconds.'));
        return false;
      }
      throw error;
    }
    const lag = Math.max(0, head.head_position - checkpoint.position);
    lags.push(lag);
    if (lags.length > samples) lags.shift();
    fill(signer, 
      h(
        'dl',
        { class: 'facts' },
        h('dt', { text: 'Position' }),
        h('dd', { id: 'signer-position', text: formatNumber(checkpoint.position) }),
        h('dt', { text: 'Log head' }),
        h('dd', { text: formatNumber(head.head_position) }),
        h('dt', { text: 'Lag' }),
        h('dd', { id: 'signer-lag', text: `${formatNumber(lag)} event(s)` }),
        h('dt', { text: 'Last signed' }),
        h('dd', { text: checkpoint.signed_at })
      ),
      h('div', { class: 'chart-box' }, lineChart(lags, { label: 'Lag of the checkpoint signer, in events' })),
      h('p', { class: 'muted', text: 'Lag in events, sampled every 2 seconds. Parked events: the signer parks none.' })
    );
    return true;
  };
  if (await tick()) {
    const timer = setInterval(() => tick().catch(() => {}), 2000);
    context.onLeave(() => clearInterval(timer));
  }
}
