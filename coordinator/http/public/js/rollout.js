import { act } from './actions.js';
import { MetricCharts, PChart } from './charts.js';
import { api, byId, bytes, collator, duration, el, errorText, labelOf, num, show, signInAgain, time, words } from './lib.js';
import { can, showHalt, startPage } from './nav.js';

// The rollout page: the active rollout (or the one in the path), its
// headline (the engine's own sentence: why it paused, failed or rolled
// back), actions by role, the verdict with every test's figures, the
// timeline, charts of the canary against the baseline and its own past, the
// plan, cohorts and hosts. Live: the coordinator sends the page again, at
// most once a second, when it changed.

const TERMINAL = new Set(['complete', 'rolled_back', 'aborted', 'failed', 'superseded']);
const ref = location.pathname.split('/')[2] || 'current';

let me;
let charts;
let pchart;
let shownId = 0;
let hostsKey = '';

function render(page) {
  showHalt(page.halt);
  const r = page.rollout;
  if (!r) {
    byId('title').textContent = 'No rollout yet';
    byId('headline').textContent = 'Nothing has been deployed: fleetswap push, then fleetswap deploy.';
    byId('body').hidden = true;
    return;
  }
  if (r.id !== shownId) {
    // Another rollout (the current one changed): start the charts afresh.
    shownId = r.id;
    show(byId('charts'));
    charts = new MetricCharts(byId('charts'));
    pchart = new PChart(byId('pchart'));
    hostsKey = '';
  }
  const L = page.labels;
  byId('title').textContent = `Rollout #${r.id} · ${r.kind === 'rollback' ? 'rollback to' : 'deploy of'} ${r.release_label}${r.from_release ? ` over ${labelOf(L, r.from_release)}` : ''}`;
  document.title = `Rollout #${r.id} · fleetswap`;
  const state = byId('state');
  state.className = `badge r-${r.state}`;
  state.textContent = words(r.state);
  const headline = byId('headline');
  headline.textContent = page.headline;
  headline.className = `headline r-${r.state}`;
  byId('body').hidden = false;
  actions(r, L);
  verdict(r);
  timeline(page.timeline);
  if (page.series) {
    byId('chart-note').textContent = `${page.series.hosts.canary} canary host(s) and a baseline of ${page.series.hosts.baseline} host(s), in ${page.series.step_ms / 1000}-second buckets (UTC).`;
    charts.update(page.series, r.verdict ? r.verdict.metrics : []);
  } else {
    show(byId('charts'));
    charts = new MetricCharts(byId('charts'));
    byId('chart-note').textContent = 'No canary in this rollout: nothing was judged against a baseline.';
  }
  pchart.update(page.looks);
  plan(r);
  hosts(r, L);
}

function actions(r, L) {
  const area = byId('actions');
  if (!can(me, 'deployer')) return show(area);
  const buttons = [];
  const active = !TERMINAL.has(r.state);
  const button = (id, text, spec, danger = false) => {
    const b = el('button', { type: 'button', id, class: danger ? 'danger' : '', text });
    b.addEventListener('click', () => act({ danger, ...spec }));
    buttons.push(b);
  };
  const onRollout = (verb) => `/api/rollouts/${r.id}/${verb}`;
  if (active && r.state !== 'rolling_back') {
    if (['judging', 'wave', 'watching', 'paused'].includes(r.state)) button('promote', 'Promote…', { title: `Promote rollout #${r.id}`, detail: 'Move on to the next phase now, without waiting for the verdict or the bake.', confirm: 'Promote', path: onRollout('promote') });
    if (r.state === 'paused') button('resume', 'Resume…', { title: `Resume rollout #${r.id}`, detail: `It goes back to ${words(r.paused_from || 'where it was')}.`, confirm: 'Resume', path: onRollout('resume') });
    else button('pause', 'Pause…', { title: `Pause rollout #${r.id}`, detail: 'Nothing is promoted while paused; judging goes on, and a failing verdict still rolls back.', confirm: 'Pause', path: onRollout('pause') });
    button('abort', 'Abort…', { title: `Abort rollout #${r.id}`, detail: 'Every host that took the new release goes back to the one it ran.', confirm: 'Abort', path: onRollout('abort') }, true);
  }
  if (r.kind === 'deploy' && r.from_release) {
    const to = labelOf(L, r.from_release);
    button('rollback', `Roll back to ${to}…`, { title: `Roll back to ${to}`, detail: `Every host goes back to ${to} now (hosts that still hold it in a slot switch without fetching).${active ? ' The active rollout is superseded.' : ''}`, confirm: 'Roll back', path: '/api/rollback', body: { to: r.from_release } }, true);
  }
  show(area, buttons);
}

function verdict(r) {
  const v = r.verdict;
  const box = byId('verdict');
  if (!v) return show(box, el('p', { class: 'meta', text: r.kind === 'rollback' ? 'A rollback is not judged.' : 'No verdict yet: judging starts when the canaries are live.' }));
  const left = v.bake_ms && v.phase === r.state ? Math.max(0, Number(v.bake_ms) - Number(v.elapsed_ms)) : 0;
  show(
    box,
    el('p', { class: `verdict o-${v.outcome}`, id: 'verdict-outcome' }, el('b', { text: v.outcome.toUpperCase() }), ` in ${v.phase} · ${duration(v.elapsed_ms)} judged${left ? `, ${duration(left)} of the bake left` : ''} · at ${time(v.at)}`),
    v.reason ? el('p', { class: 'reason', id: 'verdict-reason', text: v.reason }) : null,
    el(
      'table',
      { class: 'evidence-table' },
      el('thead', {}, el('tr', {}, ['Test', 'Canary', 'Against', 'Effect', 'p', 'Fails at', 'Outcome'].map((h) => el('th', { scope: 'col', text: h })))),
      el(
        'tbody',
        {},
        v.metrics.map((m) =>
          el(
            'tr',
            { class: `o-${m.outcome}`, 'data-test': `${m.metric}/${m.versus}` },
            el('td', { text: `${m.metric} vs ${m.versus}`, title: m.unit }),
            el('td', { class: 'num', text: fix(m.canary) }),
            el('td', { class: 'num', text: fix(m.base) }),
            el('td', { class: 'num', text: fix(m.effect) }),
            el('td', { class: 'num', text: fix(m.p) }),
            el('td', { class: 'num', text: m.threshold > 0 ? fix(m.threshold) : '-' }),
            el('td', { text: m.outcome }),
          ),
        ),
      ),
    ),
    v.cohorts.length
      ? el('p', { class: 'meta' }, v.cohorts.map((c) => `${c.cohort}: ${c.reporting}/${c.hosts} hosts reporting, ${fix(c.errors_per_min)} errors/min, load ${fix(c.load1)}, CPU ${fix(c.cpu_pct)}%`).join(' · '))
      : null,
  );
}

const fix = (x) => num(x, 3);

function timeline(items) {
  show(
    byId('timeline'),
    items.map((t) =>
      el(
        'li',
        { class: `t-${t.kind}` },
        el('time', { datetime: new Date(t.at_ms).toISOString(), text: time(t.at_ms).slice(11) }),
        ' ',
        el('b', { text: t.what }),
        t.by ? el('span', { class: 'meta', text: ` by ${t.by}` }) : null,
        t.reason ? el('span', { class: 'reason', text: ` — ${t.reason}` }) : null,
      ),
    ),
  );
}

function plan(r) {
  const p = r.plan;
  const rows = p
    ? [
        ['canary', `${p.canary_hosts} host(s)${p.spread ? `, spread across ${p.spread}` : ''}`],
        ['waves', p.waves.map((w) => `${w}%`).join(', ')],
        ['canary bake', duration(p.bake_ms)],
        ['wave bake', duration(p.wave_bake_ms)],
        ['watch at 100%', duration(p.watch_ms)],
        ['promotion', p.manual_promote ? 'manual (fleetswap promote)' : 'automatic on a passing verdict'],
      ]
    : [];
  rows.push(['selected', Object.entries(r.select).map(([k, v]) => `${k}=${v}`).join(', ') || 'every host'], ['started', `${time(r.created_at)} UTC by ${r.actor}`], ['reason', r.reason || '-']);
  if (r.irreversible) rows.push(['irreversible', 'yes: it cannot be rolled back past without a signed override']);
  show(byId('plan'), rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
}

function hosts(r, L) {
  const key = JSON.stringify(r.hosts);
  if (key === hostsKey) return;
  hostsKey = key;
  const cohorts = new Map();
  for (const h of r.hosts) {
    const c = cohorts.get(h.cohort || 'hosts') || { n: 0, done: 0, failed: 0, hosts: [] };
    c.n++;
    if (h.switch === 'done') c.done++;
    if (h.switch === 'failed' || h.stage === 'failed') c.failed++;
    c.hosts.push(h.host_id);
    cohorts.set(h.cohort || 'hosts', c);
  }
  const order = [...cohorts.keys()].sort((a, b) => (a === 'canary' ? -1 : b === 'canary' ? 1 : collator.compare(a, b)));
  show(
    byId('cohorts'),
    el(
      'ul',
      { class: 'cohorts' },
      order.map((name) => {
        const c = cohorts.get(name);
        const list = c.hosts.sort(collator.compare);
        return el('li', { 'data-cohort': name }, el('b', { text: name }), ` ${c.done}/${c.n} switched${c.failed ? `, ${c.failed} failed` : ''}: `, el('span', { class: 'mono', text: list.length > 12 ? `${list.slice(0, 12).join(', ')} and ${list.length - 12} more` : list.join(', ') }));
      }),
    ),
  );
  const sorted = [...r.hosts].sort((a, b) => order.indexOf(a.cohort || 'hosts') - order.indexOf(b.cohort || 'hosts') || collator.compare(a.host_id, b.host_id));
  show(
    byId('rollout-hosts'),
    sorted.map((h) =>
      el(
        'tr',
        { 'data-host': h.host_id },
        el('td', { class: 'mono strong', text: h.host_id }),
        el('td', { text: h.cohort || '-' }),
        el('td', { class: `st-${h.stage}`, text: h.stage }),
        el('td', { class: `st-${h.switch}`, text: h.switch }),
        el('td', { text: h.switched_at_ms ? time(Number(h.switched_at_ms)).slice(11) : '-' }),
        el('td', { class: 'mono', text: labelOf(L, h.prev_release) || '-' }),
        el('td', { class: 'num', text: h.stats ? bytes(h.stats.bytes_fetched) : '-' }),
        el('td', { class: 'clip', title: h.error, text: h.error }),
      ),
    ),
  );
}

/** follow opens the live feed; the browser reconnects by itself if it drops. */
function follow() {
  const live = byId('live');
  const feed = new EventSource(`/api/rollouts/${encodeURIComponent(ref)}/live`);
  feed.addEventListener('open', () => (live.textContent = 'live'));
  feed.addEventListener('page', (e) => {
    live.textContent = `live · ${new Date().toISOString().slice(11, 19)} UTC`;
    render(JSON.parse(e.data));
    document.documentElement.dataset.updated = String(Date.now());
  });
  feed.addEventListener('signed-out', () => {
    feed.close();
    signInAgain();
  });
  feed.addEventListener('error', () => (live.textContent = 'reconnecting…'));
}

async function main() {
  me = await startPage('rollout');
  charts = new MetricCharts(byId('charts'));
  pchart = new PChart(byId('pchart'));
  try {
    render(await api(`/api/rollouts/${encodeURIComponent(ref)}`));
    follow();
  } catch (err) {
    byId('headline').textContent = errorText(err);
  }
  document.documentElement.dataset.ready = 'true';
}

main();
