/* gongkai county search: one search over every township's own index
 * (built by gongkai/emit/search_index.py, reused as is) through the county's small
 * gram filter (gongkai/commands/county/search.py, trigrams.py).  Loaded after search.js, whose
 * GKSearch.{canon, parse, grams, shardOf, decode, candidates, rowLink} it uses, so both clients
 * cut and normalise queries the same way.
 * Markup: <div id="gk-county-search" data-county="county.json" data-root="../">
 * on the county search page; data-root is the county root relative to the page.
 * A query: the manifest (county.json), the gram shards g/<hex>.json of its
 * keys and the trigram filter shards t/<hex>.bin of a few of its trigrams tell
 * which townships have every key and (bar ~1 % false positives) every one of
 * those trigrams; those are searched a batch at a
 * time, most promising first (size class of their postings), each with its
 * own posting shards and docs as the township search does, and no more
 * townships per query (or per click on "更多结果") than about SHARD_BUDGET
 * posting shards allow: the first query's download is bounded however many
 * townships have the words.  Results from the
 * townships searched so far are ranked together (title hit, hits, date),
 * verified in upper-bound order across them as search.js does in one;
 * "更多结果" verifies further or searches the next batch of townships.
 * Links: data-root + township slug + "/" + doc url + "index.html" [#row].
 * CSS hooks: those of search.js plus gk-hit-town.  GKCounty: test hook. */
(() => {
  'use strict';
  const G = window.GKSearch;
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const VAL = new Int8Array(128);
  for (let i = 0; i < 64; i++) VAL[A.charCodeAt(i)] = i;
  const PAGE = 10, BATCH = 2, BLOCK_CAP = 1, VERIFY_CAP = 50, SHARD_BUDGET = 16;

  const ints = (s) => {
    const v = [];
    let acc = 0;
    for (let j = 0; j < s.length; j++) {
      const x = VAL[s.charCodeAt(j)];
      if (x >= 32) acc = acc * 32 + x - 32; else { v.push(acc * 32 + x); acc = 0; }
    }
    return v;
  };
  const hexOf = (n, shards) => n.toString(16).padStart((shards - 1).toString(16).length, '0');

  const files = new Map();
  const get = (url, as) => {
    const k = url.href;
    if (!files.has(k)) {
      const v = fetch(url).then((r) => { if (!r.ok) throw new Error(r.status + ' ' + k); return r[as](); });
      v.catch(() => files.delete(k));
      files.set(k, v);
    }
    return files.get(k);
  };
  const json = (url) => get(url, 'json');

  // Trigram filter (gongkai/county/trigrams.py: mix, slices, shard layout).
  const PROBES = 7, TRI_CAP = 4;
  const mix = (s, seed) => {
    let h = seed;
    for (const c of s) h = Math.imul(h ^ c.codePointAt(0), 0x9e3779b1);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  };
  // A few trigrams of each term (evenly spread), at most 2 * TRI_CAP in all
  function trigrams(terms) {
    const out = [];
    for (const t of terms) {
      const all = [];
      for (const seg of t.split(' ')) {
        const a = Array.from(seg);
        for (let i = 0; i + 2 < a.length; i++) { const g = a[i] + a[i + 1] + a[i + 2]; if (!all.includes(g)) all.push(g); }
      }
      const n = all.length, pick = n <= TRI_CAP ? all : [...Array(TRI_CAP).keys()].map((i) => all[Math.floor(i * (n - 1) / (TRI_CAP - 1))]);
      for (const g of pick) if (!out.includes(g)) out.push(g);
    }
    return out.slice(0, 2 * TRI_CAP);
  }
  // Townships whose filter may hold every trigram (those without one pass)
  async function trigramPass(base, m, tris) {
    const S = m.tri, pass = new Set(m.townships.map((_, i) => i));
    if (!S || !tris.length) return pass;
    const shards = await Promise.all(tris.map(async (t) => {
      const h = mix(t, 0), s = h % S;
      return [t, h, new Uint8Array(await get(new URL('t/' + hexOf(s, S) + '.bin', base), 'arrayBuffer'))];
    }));
    let offset = 0;
    m.townships.forEach(([, , , , slices, size], ti) => {
      if (!slices) return;
      const bits = size * 8;
      for (const [t, h, buf] of shards) {
        const at = offset + Math.floor((h % slices) / S) * size, h2 = mix(t, 1), h3 = (mix(t, 2) | 1) >>> 0;
        for (let i = 0; i < PROBES; i++) {
          const b = (h2 + i * h3) % bits;
          if (!((buf[at + (b >> 3)] >> (b & 7)) & 1)) { pass.delete(ti); break; }
        }
      }
      offset += slices / S * size;
    });
    return pass;
  }

  // Townships having every key of every term, best first: [index, size class]
  async function townships(base, m, keys) {
    const maps = await Promise.all(keys.map(async (g) => {
      const shard = await json(new URL('g/' + hexOf(G.shardOf(g, m.shards), m.shards) + '.json', base));
      const v = ints(shard[g] || ''), out = new Map();
      for (let i = 0, t = -1; i < v.length; i += 2) out.set(t += v[i] + 1, v[i + 1]);
      return out;
    }));
    maps.sort((a, b) => a.size - b.size);
    const found = [];
    for (const [t, s0] of maps[0]) {
      let s = s0;
      for (const mp of maps) { const x = mp.get(t); if (x === undefined) { s = -1; break; } s = Math.min(s, x); }
      if (s >= 0) found.push([t, s]);
    }
    return found.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  }

  const occ = (h, t) => { let n = 0; for (let i = h.indexOf(t); i >= 0; i = h.indexOf(t, i + 1)) n++; return n; };

  // One township's part of the search: its candidates, as search.js ranks them.
  async function townSearch(root, m, ti, terms, gl) {
    const [slug, name, shards] = m.townships[ti];
    const base = new URL(root + slug + '/search/index/', location.href);
    const lists = await Promise.all(gl.filter((g) => g.length).map((g) => Promise.all(g.map(async (x) => {
      const shard = await json(new URL('p/' + hexOf(G.shardOf(x, shards), shards) + '.json', base));
      return G.decode(shard[x] || '');
    }))));
    const cands = G.candidates(lists); // the ranking bounds, exactly as a township's own search.js
    const order = [...cands].map(([doc, c]) => ({ doc, ub: [c[0] ? 1 : 0, c[1], doc], b: c[2] }));
    order.sort((a, b) => b.ub[0] - a.ub[0] || b.ub[1] - a.ub[1] || b.ub[2] - a.ub[2]);
    return { ti, slug, name, base, order, pos: 0, rej: 0, terms, gram: gl.map((g) => g.length > 0) };
  }

  async function verify(T, c) {
    const get = (k) => json(new URL('d/' + c.doc + '-' + k + '.json', T.base));
    let todo = [...c.b.keys()].sort((a, b) => a - b), counts;
    const [d, ...first] = await Promise.all([json(new URL('d/' + c.doc + '.json', T.base)), ...todo.slice(0, BLOCK_CAP).map(get)]);
    const tc = G.canon(d.t), xc = G.canon(d.x), kc = G.canon(d.k), rows = [];
    todo = todo.slice(BLOCK_CAP);
    for (let blocks = first; ; blocks = await Promise.all(todo.map(get)), todo = []) {
      for (const b of blocks) for (const r of b) rows.push({ a: r[0], s: r[1], c: G.canon(r[1]) });
      counts = T.terms.map((t) => occ(tc, t) + occ(xc, t) + occ(kc, t) + rows.reduce((n, r) => n + occ(r.c, t), 0));
      if (counts.every(Boolean) || !todo.length) break;
    }
    if (!counts.every(Boolean)) return null;
    let hits = todo.reduce((n, k) => n + c.b.get(k), 0);
    T.terms.forEach((t, i) => { if (T.gram[i]) hits += counts[i]; });
    const rs = rows.map((r, i) => [T.terms.filter((t) => r.c.includes(t)).length, i, r]).filter((x) => x[0]);
    rs.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const title = T.terms.every((t) => tc.includes(t)) ? 1 : 0;
    return { T, d, xc, key: [title, hits, d.d || ''], rows: rs.map((x) => x[2]), more: todo.length > 0 };
  }

  const cmp = (a, b) => b[0] - a[0] || b[1] - a[1] || (a[2] < b[2] ? 1 : a[2] > b[2] ? -1 : 0);

  // Make the top `want` results certain over the townships searched so far:
  // verify candidates in upper-bound order (title hit, hits) across them,
  // until the want-th verified result is at least the best unverified bound.
  const ubCmp = (a, b) => b[0] - a[0] || b[1] - a[1];
  async function fill(S, want) {
    for (let done = 0; ;) {
      S.ver.sort((a, b) => cmp(a.key, b.key));
      const heads = S.loaded.filter((T) => T.pos < T.order.length);
      heads.sort((a, b) => ubCmp(a.order[a.pos].ub, b.order[b.pos].ub) || a.ti - b.ti);
      const next = heads.length ? heads[0].order[heads[0].pos] : null;
      if (S.ver.length >= want && (!next || ubCmp(S.ver[want - 1].key, next.ub) <= 0)) break;
      if (!next || done >= VERIFY_CAP) break;
      const batch = [];
      for (let n = Math.max(want - S.ver.length, 3); n > 0; n--) {
        const live = S.loaded.filter((T) => T.pos < T.order.length);
        if (!live.length) break;
        live.sort((a, b) => ubCmp(a.order[a.pos].ub, b.order[b.pos].ub) || a.ti - b.ti);
        const T = live[0];
        batch.push([T, T.order[T.pos++]]);
      }
      done += batch.length;
      for (const [h, T] of (await Promise.all(batch.map(([T, c]) => verify(T, c)))).map((h, i) => [h, batch[i][0]])) {
        if (h) S.ver.push(h); else T.rej++;
      }
    }
    S.ver.sort((a, b) => cmp(a.key, b.key));
  }

  // Search further townships until `want` results are certain, at most
  // SHARD_BUDGET / keys townships per call: a first query (or one click on
  // "更多结果") fetches about SHARD_BUDGET posting shards, however many
  // townships have the words; the rest wait for the next click.
  async function more(S, want) {
    let budget = Math.max(1, Math.floor(SHARD_BUDGET / S.keys));
    while (S.ver.length < want && S.next < S.towns.length && budget > 0) {
      const batch = S.towns.slice(S.next, S.next + Math.min(BATCH, budget));
      S.next += batch.length; budget -= batch.length;
      S.loaded.push(...await Promise.all(batch.map(([ti]) => townSearch(S.root, S.m, ti, S.terms, S.gl))));
      await fill(S, want);
    }
    await fill(S, want);
  }

  async function session(base, root, q) {
    const terms = G.parse(q), gl = terms.map(G.grams);
    if (!terms.length) return { status: 'empty' };
    if (!gl.some((g) => g.length)) return { status: 'short' };
    const m = await json(new URL('county.json', base));
    const keys = [...new Set(gl.flat())];
    const [found, pass] = await Promise.all([townships(base, m, keys), trigramPass(base, m, trigrams(terms))]);
    const towns = found.filter(([ti]) => pass.has(ti));
    return { status: 'ok', m, root, terms, gl, keys: keys.length, towns, next: 0, loaded: [], ver: [] };
  }

  // --- rendering (DOM only: no innerHTML) ------------------------------------
  const el = (tag, cls, text, ...kids) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    e.append(...kids);
    return e;
  };
  const link = (href, e) => { e.href = href; return e; };

  function marked(e, s, terms) {
    const { c, m } = G.canon(s, true), rs = [];
    for (const t of terms) {
      for (let i = c.indexOf(t); i >= 0; i = c.indexOf(t, i + 1)) {
        const end = m[i + t.length - 1];
        rs.push([m[i], end + (s.codePointAt(end) > 0xffff ? 2 : 1)]);
      }
    }
    rs.sort((a, b) => a[0] - b[0]);
    let p = 0;
    for (const [a0, b] of rs) {
      const a = Math.max(a0, p);
      if (b <= a) continue;
      e.append(s.slice(p, a), el('mark', '', s.slice(a, b)));
      p = b;
    }
    e.append(s.slice(p));
    return e;
  }

  function hitItem(h, S) {
    const d = h.d, url = S.root + h.T.slug + '/' + d.u + 'index.html';
    const title = link(url + (h.rows.length && !h.key[0] ? '#' + h.rows[0].a : ''), el('a', 'gk-hit-title'));
    const li = el('li', 'gk-hit', null, marked(title, d.t, S.terms),
      el('div', 'gk-hit-meta', null, el('span', 'gk-hit-town', h.T.name), d.d ? ' · ' + d.d : ''));
    if (d.x && S.terms.some((t) => h.xc.includes(t))) {
      const x = d.x.length > 140 ? d.x.slice(0, 140) + '…' : d.x;
      li.append(marked(el('p', 'gk-snippet'), x, S.terms));
    }
    if (h.rows.length) {
      li.append(el('ul', 'gk-rows', null, ...h.rows.slice(0, 3).map((r) =>
        el('li', '', null, d.h ? G.rowLink(link(url + '#' + r.a, el('a')), r.s, d.h, S.terms)
          : marked(link(url + '#' + r.a, el('a')), r.s, S.terms)))));
    }
    return li;
  }

  function init() {
    const app = document.getElementById('gk-county-search');
    if (!app || !G) return;
    const params = new URLSearchParams(location.search), q0 = params.get('q') || '';
    const forms = [...document.querySelectorAll('form.gk-search')].filter((fm) => fm.q);
    const inputs = forms.map((fm) => fm.q);
    for (const i of inputs) if (!i.value) i.value = q0;
    const status = el('p', 'gk-status'), list = el('ol', 'gk-results'), moreBtn = el('button', 'gk-more', '更多结果');
    status.setAttribute('role', 'status');
    moreBtn.type = 'button'; moreBtn.hidden = true;
    app.append(status, list, moreBtn);
    if (location.protocol === 'file:') {
      app.replaceChildren(el('div', 'gk-notice', null,
        el('p', '', '搜索需要通过网站访问：本页是直接从电脑上的文件打开的，浏览器不允许读取搜索索引。')));
      return;
    }
    const base = new URL(app.dataset.county || 'county.json', location.href), root = app.dataset.root || '../';
    json(new URL('county.json', base)).catch(() => {}); // saves a round trip on the first query
    let S = null, seq = 0, shown = 0, lastQ = null, timer = 0;

    async function page(my, want) {
      await more(S, want);
      if (my !== seq) return;
      shown = Math.min(want, S.ver.length);
      list.replaceChildren(...S.ver.slice(0, shown).map((h) => hitItem(h, S)));
      const left = S.towns.length - S.next, open = S.loaded.some((T) => T.pos < T.order.length);
      const total = S.loaded.reduce((n, T) => n + T.order.length - T.rej, 0);
      status.textContent = S.ver.length
        ? '在 ' + S.loaded.length + ' 个乡镇中找到' + (open ? '约 ' : ' ') + total + ' 条结果' + (left ? '（另有 ' + left + ' 个乡镇尚未搜索）' : '')
        : '没有找到包含“' + lastQ.trim() + '”的内容';
      moreBtn.hidden = !(S.ver.length > shown || left || open);
    }

    async function run(q, force) {
      q = q || '';
      if (q === lastQ && !force) return;
      lastQ = q;
      const my = ++seq;
      try { history.replaceState(null, '', q.trim() ? '?' + new URLSearchParams({ q: q.trim() }) : location.pathname); } catch (e) { /* ignore */ }
      try {
        status.textContent = '正在搜索…';
        const s = await session(base, root, q);
        if (my !== seq) return;
        S = s.status === 'ok' ? s : null;
        moreBtn.hidden = true;
        if (S) await page(my, PAGE);
        else {
          list.replaceChildren();
          status.textContent = s.status === 'short' ? '请至少输入两个字' : '输入姓名、村名、项目名称或文号，在全县各乡镇中搜索';
        }
      } catch (e) {
        if (my === seq) status.textContent = '搜索索引加载失败，请检查网络后刷新重试。';
        throw e;
      }
    }

    moreBtn.addEventListener('click', () => { if (S) page(seq, shown + PAGE).catch(() => {}); });
    const typed = (i) => (e) => {
      if (e.isComposing) return;
      for (const o of inputs) if (o !== i) o.value = i.value;
      clearTimeout(timer);
      timer = setTimeout(() => run(i.value).catch(() => {}), 250);
    };
    inputs.forEach((i, n) => {
      i.addEventListener('input', typed(i));
      i.addEventListener('compositionend', typed(i));
      forms[n].addEventListener('submit', (e) => { e.preventDefault(); clearTimeout(timer); run(i.value, true).catch(() => {}); });
    });
    window.GKCounty = {
      run: (q) => run(q, true),
      results: () => (S ? S.ver.slice(0, shown).map((h) => [h.T.slug, h.d.u, h.rows.map((r) => r.a)]) : []),
    };
    run(q0).catch(() => {});
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
