/* gongkai site search: client of the index built by gongkai/search.py.
 * Markup contract (paths relative: any host, any sub-path, no server code):
 *  every page: <form class="gk-search" action="<rel>/search/index.html">
 *    <input name="q" type="search"><button>搜索</button></form>  (plain GET)
 *  search page: that form, <div id="gk-search-app"
 *    data-index="<rel>/search/index/" data-root="<rel>/"></div> and
 *    <script src="<rel>/static/search.js" defer></script>
 * Here the app fills every box from ?q=, runs the query, renders filters and
 * results into the div and keeps q, type, year, pub, village in the URL.
 * Links: data-root + doc url + "index.html" [+ "#" + row anchor]. Opened
 * from file:// it says that search needs the site served.
 * CSS hooks: gk-status gk-filters gk-results gk-hit gk-hit-title gk-hit-meta
 * gk-snippet gk-rows gk-more gk-notice; hits in <mark>. GKSearch: test hook.
 * Filters: a count is of documents known to hold the query (see session,
 * tally); gk-filters has aria-busy="true" while counts are being read.
 * Algorithm = reference_search in search.py: terms (AND) -> keys -> posting
 * lists intersected per unit (doc text or rows block) -> candidates ranked
 * by upper bounds (title hit, hits, date) -> verified as substrings in rank
 * order until the page's top is certain. */
(() => {
  'use strict';
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const VAL = new Int8Array(128);
  for (let i = 0; i < 64; i++) VAL[A.charCodeAt(i)] = i;
  const PAGE = 10, BLOCK_CAP = 1, MAX_GRAMS = 8, VERIFY_CAP = 50;
  const SEP = /[\p{P}\p{S}\p{Z}\p{Cc}\p{Cf}\p{Cs}]/u;
  const isD = (c) => c >= '0' && c <= '9' && c.length === 1;
  const add = (l, x) => { if (!l.includes(x)) l.push(x); };

  // Canonical form (search.py canon); withMap: also canonical -> source index.
  function canon(s, withMap) {
    const cs = [], os = [], map = [];
    let i = 0, out = '', gap = -1;
    for (const ch of s) {
      const cp = ch.codePointAt(0);
      for (const c of cp < 128 || (cp >= 0x4e00 && cp < 0xa000) ? ch : ch.normalize('NFKC')) {
        cs.push(c >= 'A' && c <= 'Z' ? c.toLowerCase() : c);
        os.push(i);
      }
      i += ch.length;
    }
    cs.forEach((c, k) => {
      if (c === '.' ? !(isD(cs[k - 1] || '') && isD(cs[k + 1] || '')) : SEP.test(c)) {
        if (gap < 0) gap = os[k];
        return;
      }
      if (gap >= 0 && out) { out += ' '; map.push(gap); }
      gap = -1;
      out += c;
      if (withMap) for (const _ of c.split('')) map.push(os[k]);
    });
    return withMap ? { c: out, m: map } : out;
  }

  const parse = (q) => [...new Set(q.normalize('NFKC').split(/[\s\x1c-\x1f\x85]+/).map((r) => canon(r)).filter(Boolean))];

  // Lookup keys (search.py term_grams): bigrams, but a run of 3+ digits by
  // itself (3) or its 4-digit substrings.
  function grams(t) {
    const bi = [], lo = [];
    for (const seg of t.split(' ')) {
      const a = Array.from(seg), run = a.map(() => 0);
      for (let i = 0, j; i < a.length; i = Math.max(i, j - 1) + 1) {
        for (j = i; j < a.length && isD(a[j]);) j++;
        if (j - i < 3) continue;
        const r = a.slice(i, j).join('');
        run.fill(1, i, j);
        if (r.length === 3) add(lo, r);
        for (let k = 0; k + 4 <= r.length; k++) add(lo, r.slice(k, k + 4));
      }
      for (let i = 0; i + 1 < a.length; i++) if (!(run[i] && run[i + 1])) add(bi, a[i] + a[i + 1]);
    }
    const g = bi.concat(lo), n = g.length, p = [];
    if (n <= MAX_GRAMS) return g;
    for (let i = 0; i < MAX_GRAMS; i++) add(p, g[Math.floor(i * (n - 1) / (MAX_GRAMS - 1))]);
    return p;
  }

  function shardOf(g, n) {
    let h = 0;
    for (const c of g) h = Math.imul(h ^ c.codePointAt(0), 0x9e3779b1);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return ((h ^ (h >>> 16)) >>> 0) & (n - 1);
  }

  // Posting string -> Map doc -> [tf_main, in_title, Map block -> tf | null]
  function decode(s) {
    const v = [], out = new Map();
    let acc = 0, i = 0, doc = -1;
    for (let j = 0; j < s.length; j++) {
      const x = VAL[s.charCodeAt(j)];
      if (x >= 32) acc = acc * 32 + x - 32; else { v.push(acc * 32 + x); acc = 0; }
    }
    while (i < v.length) {
      doc += v[i] + 1;
      const x = v[i + 1];
      let bl = null, n, k = -1;
      i += 2;
      if (x & 1) for (bl = new Map(), n = v[i++]; n--; i += 2) bl.set(k += v[i] + 1, v[i + 1] + 1);
      out.set(doc, [x >> 2, (x & 2) > 0, bl]);
    }
    return out;
  }

  const num = (s) => [...s].reduce((v, c) => v * 64 + VAL[c.charCodeAt(0)], 0);
  const codes = (s, w) => { const a = []; for (let i = 0; i < s.length; i += w) a.push(num(s.substr(i, w))); return a; };

  function Index(base) {
    const files = new Map(), posts = new Map();
    let meta = null;
    const json = (p) => {
      if (!files.has(p)) {
        const v = fetch(new URL(p, base)).then((r) => { if (!r.ok) throw new Error(r.status + ' ' + p); return r.json(); });
        v.catch(() => files.delete(p));
        files.set(p, v);
      }
      return files.get(p);
    };
    const getMeta = () => meta || (meta = json('meta.json').then((m) => {
      m.T = codes(m.ft, m.w[0]); m.P = codes(m.fp, m.w[1]); m.Y = []; m.TL = Object.fromEntries(m.types);
      m.V = m.fv.split(',').map((s) => codes(s, m.w[2]));
      for (const [y, c] of m.years) for (let i = 0; i < c; i++) m.Y.push(y);
      // each doc's filter values, as the filters name them: [type, year, pub, villages]
      m.F = m.T.map((t, d) => [[m.types[t][0]], [String(m.Y[d])], [m.publishers[m.P[d]]], m.V[d].map((v) => m.villages[v])]);
      m.hex = (m.shards - 1).toString(16).length;
      return m;
    }).catch((e) => { meta = null; throw e; }));
    const posting = async (m, g) => {
      const p = 'p/' + shardOf(g, m.shards).toString(16).padStart(m.hex, '0') + '.json';
      if (!posts.has(g)) posts.set(g, decode((await json(p))[g] || ''));
      return posts.get(g);
    };
    // per query (its terms): candidates read, doc -> villages | null, and the reads under way
    const seen = new Map();
    const known = (key) => { if (!seen.has(key)) seen.set(key, { docs: new Map(), p: new Map() }); return seen.get(key); };
    return { json, getMeta, posting, known };
  }

  const cmp = (a, b) => b[0] - a[0] || b[1] - a[1] || b[2] - a[2];
  const min = (a, b) => (a < b ? a : b);

  // Per term, docs where all its keys share a unit -> [title_ub, hits_ub, Map block -> ub]
  function candidates(lists) {
    let cands = null;
    for (const ls of lists) {
      const found = new Map();
      ls.sort((a, b) => a.size - b.size);
      for (const [doc, e0] of ls[0]) {
        if (cands && !cands.has(doc)) continue;
        const es = ls.map((l) => l.get(doc));
        if (es.includes(undefined)) continue;
        const bub = new Map();
        let sum = es.reduce((m, e) => min(m, e[0]), Infinity);
        if (es.every((e) => e[2])) {
          for (const [k, tf] of e0[2]) {
            const m = es.reduce((m, e) => min(m, e[2].get(k) || 0), tf);
            if (m) { bub.set(k, m); sum += m; }
          }
        }
        if (sum) found.set(doc, [es.every((e) => e[1]), sum, bub]);
      }
      if (cands) {
        for (const [doc, f] of found) {
          const c = cands.get(doc);
          for (const [k, v] of c[2]) f[2].set(k, (f[2].get(k) || 0) + v);
          f[0] = f[0] && c[0]; f[1] += c[1];
        }
      }
      cands = found;
    }
    return cands;
  }

  const occ = (h, t) => { let n = 0; for (let i = h.indexOf(t); i >= 0; i = h.indexOf(t, i + 1)) n++; return n; };

  async function verify(ix, S, c) {
    const doc = c.doc, get = (k) => ix.json('d/' + doc + '-' + k + '.json');
    let todo = [...c.b.keys()].sort((a, b) => a - b), counts;
    const [d, ...first] = await Promise.all([ix.json('d/' + doc + '.json'), ...todo.slice(0, BLOCK_CAP).map(get)]);
    const tc = canon(d.t), xc = canon(d.x), kc = canon(d.k), rows = [];
    todo = todo.slice(BLOCK_CAP);
    for (let blocks = first; ; blocks = await Promise.all(todo.map(get)), todo = []) {
      for (const b of blocks) for (const r of b) if (S.vix < 0 || r[2] === S.vix) rows.push({ a: r[0], s: r[1], c: canon(r[1]) });
      counts = S.terms.map((t) => occ(tc, t) + occ(xc, t) + occ(kc, t) + rows.reduce((n, r) => n + occ(r.c, t), 0));
      if (counts.every(Boolean) || !todo.length) break;
    }
    if (!counts.every(Boolean)) return null;
    let hits = todo.reduce((n, k) => n + c.b.get(k), 0);
    S.terms.forEach((t, i) => { if (S.gram[i]) hits += counts[i]; });
    const rs = rows.map((r, i) => [S.terms.filter((t) => r.c.includes(t)).length, i, r]).filter((x) => x[0]);
    rs.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const title = S.terms.every((t) => tc.includes(t)) ? 1 : 0;
    return { doc, d, xc, key: [title, hits, doc], rows: rs.map((x) => x[2]), more: todo.length > 0 };
  }

  // Make the top `want` results certain (threshold on the upper bounds).
  async function ensure(ix, S, want) {
    for (let done = 0; ;) {
      S.ver.sort((a, b) => cmp(a.key, b.key));
      const next = S.order[S.pos];
      if (S.ver.length >= want && (!next || cmp(S.ver[want - 1].key, next.key) <= 0)) break;
      if (!next || done >= VERIFY_CAP) break;
      const batch = S.order.slice(S.pos, S.pos + Math.max(want - S.ver.length, 3));
      S.pos += batch.length; done += batch.length;
      (await Promise.all(batch.map((c) => verify(ix, S, c)))).forEach((h, i) => {
        const doc = batch[i].doc;
        if (!S.sure.has(doc) && !S.K.docs.has(doc)) S.dirty = true; // the counts learn from it
        S.seen.set(doc, !!h);
        if (h) S.ver.push(h);
        else if (S.vix < 0 && !S.K.docs.has(doc)) S.K.docs.set(doc, null); // not in the doc at all
      });
    }
    S.ver.sort((a, b) => cmp(a.key, b.key));
  }

  const DIMS = [['type', '全部类型'], ['year', '全部年份'], ['pub', '全部发布单位'], ['village', '全部村（社区）']];
  // Filter counts are of documents known to hold the query, never of
  // candidates (a candidate has the query's keys, maybe not the query, and a
  // roster's match may be in one village's rows only).  Up to EXACT
  // candidates are read before the filters are first drawn; when the others
  // that could count take no more than COUNT_CAP files, they are read in the
  // background, EXACT at a time (a count shows "计数中" until every candidate
  // it could hold is read); else none is: those counts show "至少 n" or "…".
  const EXACT = 30, COUNT_CAP = 120;

  // A candidate read through (as verify does, all its candidate blocks): null
  // if the query is not in it, else the villages it is found in with the
  // village filter on: all of the doc's when every term is in its own text,
  // else those whose rows hold every term the own text lacks.  `rest`: those
  // terms, when the postings are exact; `tb`: then each one's blocks, which
  // with the blocks' villages (d.b: a block is of one village) tell the
  // villages without reading the rows.
  async function examine(ix, m, terms, doc, c, rest, tb) {
    if (rest && rest.length && tb) {
      const d = await ix.json('d/' + doc + '.json');
      if (d.b) return [...new Set(d.b)].filter((v) => v >= 0 && tb.every((bl) => [...bl.keys()].some((k) => d.b[k] === v))).map((v) => m.villages[v]);
    }
    if (!rest) {
      const d = await ix.json('d/' + doc + '.json');
      const own = [canon(d.t), canon(d.x), canon(d.k)];
      rest = terms.filter((t) => !own.some((h) => h.includes(t)));
    }
    const all = m.F[doc][3];
    if (!rest.length) return all;
    const found = new Map(), anywhere = new Set(); // village# -> terms in its rows
    for (const b of await Promise.all([...c[2].keys()].map((k) => ix.json('d/' + doc + '-' + k + '.json')))) {
      for (const r of b) {
        const rc = canon(r[1]);
        for (const t of rest) {
          if (!rc.includes(t)) continue;
          anywhere.add(t);
          if (!found.has(r[2])) found.set(r[2], new Set());
          found.get(r[2]).add(t);
        }
      }
    }
    if (anywhere.size < rest.length) return null;
    return [...found].filter(([v, ts]) => v >= 0 && ts.size === rest.length).map(([v]) => m.villages[v]);
  }

  // Read these candidates (once per query, whatever the filters): S.K.docs
  // learns each one's villages, or null.
  function read(ix, S, docs) {
    const K = S.K;
    return Promise.all(docs.map((doc) => {
      if (!K.p.has(doc)) {
        K.p.set(doc, examine(ix, S.m, S.terms, doc, S.cands.get(doc), S.rest.get(doc), S.tb.get(doc))
          .then((vs) => { K.docs.set(doc, vs); }, (e) => { K.p.delete(doc); throw e; }));
      }
      return K.p.get(doc);
    }));
  }

  // A doc's values of a filter dimension; villages: as read, else all of the doc's.
  const values = (S, doc, i) => (i < 3 ? S.m.F[doc][i] : S.K.docs.get(doc) || S.m.F[doc][3]);
  // 1: the doc holds the query (and has value v of dim) for sure, 0: not, .5: may.
  const holds = (S, doc) => (S.K.docs.has(doc) ? (S.K.docs.get(doc) ? 1 : 0) : S.sure.has(doc) || S.seen.get(doc) ? 1 : 0.5);
  const has = (S, doc, i, v) => (!values(S, doc, i).includes(v) ? 0 : i === 3 && !S.K.docs.has(doc) ? 0.5 : 1);
  // has() for every dimension: 1 where no filter is set
  const ALL = [1, 1, 1, 1];
  const passes = (S, doc) => (S.fs.some(Boolean) ? S.fs.map((v, i) => (v ? has(S, doc, i, v) : 1)) : ALL);

  // Files examine() may fetch for a doc: its doc file and candidate blocks;
  // with exact postings its doc file only (for its blocks' villages).
  const cost = (S, doc) => { const r = S.rest.get(doc); return S.K.p.has(doc) ? 0 : r ? (r.length ? 1 : 0) : 1 + S.cands.get(doc)[2].size; };

  // Filter counts: value -> [docs that surely have it, whether more may]
  // (each dimension counted with the other filters applied); and whether
  // to read the unread candidates a count could hold (those that surely
  // fail at most one filter): only when they take no more than S.budget files.
  function tally(S) {
    const facets = DIMS.map(() => new Map());
    let todo = 0, files = 0;
    for (const doc of S.rank) {
      const h = holds(S, doc), pass = passes(S, doc), known = S.K.docs.has(doc);
      if (!known && (pass === ALL || pass.filter((x) => !x).length < 2)) { todo++; files += cost(S, doc); }
      if (!h) continue;
      for (let i = 0; i < 4; i++) {
        let p = h;
        for (let j = 0; j < 4; j++) if (j !== i && pass[j] < p) p = pass[j];
        if (!p) continue;
        const sure = p === 1 && (i < 3 || known);
        for (const v of values(S, doc, i)) {
          let e = facets[i].get(v);
          if (!e) facets[i].set(v, (e = [0, false]));
          if (sure) e[0]++; else e[1] = true;
        }
      }
    }
    S.facets = Object.fromEntries(DIMS.map(([dim], i) => [dim, facets[i]]));
    S.counting = todo > 0 && files <= S.budget; // reading some of many would leave the counts unsure
  }

  // Not read yet, and a count under these filters could hold it.
  const unread = (S, doc) => !S.K.docs.has(doc) && passes(S, doc).filter((x) => !x).length < 2;

  // Results under the filters: [how many, exact?]
  function total(S) {
    let n = 0, open = false;
    for (const c of S.order) {
      if (S.seen.has(c.doc)) { n += S.seen.get(c.doc) ? 1 : 0; continue; }
      const p = passes(S, c.doc).reduce(min, holds(S, c.doc));
      if (p) n++;
      if (p && p < 1) open = true;
    }
    return [n, !open];
  }

  // Read the candidates not yet read, best first, until every count is
  // certain; step() after each batch.
  async function count(ix, S, step) {
    while (S.counting && !S.dead) {
      const todo = S.rank.filter((doc) => unread(S, doc)).slice(0, EXACT);
      S.budget -= todo.reduce((n, doc) => n + cost(S, doc), 0);
      await read(ix, S, todo);
      tally(S);
      if (!S.dead) step();
    }
  }

  // A search session: q + filters -> ranked candidates (S.order); ensure() fills S.ver.
  async function session(ix, q, f) {
    const terms = parse(q), gl = terms.map(grams);
    if (!terms.length) return { status: 'empty' };
    if (!gl.some((g) => g.length)) return { status: 'short' };
    const m = await ix.getMeta();
    const lists = await Promise.all(gl.filter((g) => g.length).map((g) => Promise.all(g.map((x) => ix.posting(m, x)))));
    const cands = candidates(lists.map((l) => l.slice()));
    const S = { status: 'ok', m, terms, f, cands, K: ix.known(terms.join('\n')), sure: new Set(), rest: new Map(), tb: new Map(), seen: new Map(), budget: COUNT_CAP, fs: DIMS.map(([dim]) => f[dim]) };
    // When every term is its only key, the postings are exact: a candidate
    // holds the query, and its own text holds the terms whose tf_main > 0.
    if (terms.every((t) => grams(t).join() === t)) {
      for (const doc of cands.keys()) {
        const rest = terms.filter((t, i) => !lists[i][0].get(doc)[0]);
        S.sure.add(doc);
        S.rest.set(doc, rest);
        S.tb.set(doc, rest.map((t) => lists[terms.indexOf(t)][0].get(doc)[2] || new Map()));
        if (!rest.length || m.V[doc].length < 2) S.K.docs.set(doc, m.F[doc][3]);
      }
    }
    const ranked = [...cands].map(([doc, c]) => ({ doc, key: [c[0] ? 1 : 0, c[1], doc], b: c[2] })).sort((a, b) => cmp(a.key, b.key));
    S.rank = ranked.map((c) => c.doc);
    if (cands.size <= EXACT) await read(ix, S, S.rank.filter((doc) => !S.K.docs.has(doc)));
    const order = ranked.filter((c) => passes(S, c.doc).reduce(min, holds(S, c.doc)));
    const vix = f.village ? m.villages.indexOf(f.village) : -1;
    Object.assign(S, { gram: gl.map((g) => g.length > 0), order, vix, pos: 0, ver: [] });
    tally(S);
    return S;
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

  function ranges(s, terms) {
    const { c, m } = canon(s, true), rs = [];
    for (const t of terms) {
      for (let i = c.indexOf(t); i >= 0; i = c.indexOf(t, i + 1)) {
        const e = m[i + t.length - 1];
        rs.push([m[i], e + (s.codePointAt(e) > 0xffff ? 2 : 1)]);
      }
    }
    return rs.sort((a, b) => a[0] - b[0]);
  }

  function marked(e, s, rs, from = 0, to = s.length) {
    let p = from;
    for (const [a0, b0] of rs) {
      const a = Math.max(a0, p), b = Math.min(b0, to);
      if (b <= a) continue;
      e.append(s.slice(p, a), el('mark', '', s.slice(a, b)));
      p = b;
    }
    e.append(s.slice(p, to));
    return e;
  }

  // A roster row as "村 青石村  组 二组  姓名 …  金额 724.50 元": each cell with
  // its column's header (d.h) and unit; empty cells left out.
  function rowLink(a, s, heads, terms) {
    if (!heads) return marked(a, s, ranges(s, terms));
    s.split('\t').forEach((v, i) => {
      if (!v || !heads[i]) return;
      const [label, unit] = heads[i];
      if (a.firstChild) a.append(' ');
      a.append(el('span', 'gk-cell', null, el('span', 'gk-label', label), ' ',
        marked(el('span', 'gk-value'), v, ranges(v, terms)), unit ? ' ' + unit : ''));
    });
    return a;
  }

  function hitItem(h, S, root) {
    const d = h.d, m = S.m, x = d.x, url = root + d.u + 'index.html';
    const title = link(url + (h.rows.length && !h.key[0] ? '#' + h.rows[0].a : ''), el('a', 'gk-hit-title'));
    const li = el('li', 'gk-hit', null, marked(title, d.t, ranges(d.t, S.terms)),
      el('div', 'gk-hit-meta', [m.types[m.T[h.doc]][1], m.publishers[m.P[h.doc]], d.d].filter(Boolean).join(' · ')));
    const rs = S.terms.some((t) => h.xc.includes(t)) ? ranges(x, S.terms) : [];
    if (rs.length || (!h.rows.length && x)) {
      const lo = (i) => ((x.charCodeAt(i) & 0xfc00) === 0xdc00 ? i - 1 : i); // keep surrogate pairs whole
      const from = lo(rs.length ? Math.max(0, rs[0][0] - 40) : 0), to = lo(Math.min(x.length, from + 140));
      li.append(marked(el('p', 'gk-snippet', from ? '…' : ''), x, rs, from, to));
      if (to < x.length) li.lastChild.append('…');
    }
    if (h.rows.length) {
      const ul = el('ul', 'gk-rows', null, ...h.rows.slice(0, 3).map((r) =>
        el('li', '', null, rowLink(link(url + '#' + r.a, el('a')), r.s, d.h, S.terms))));
      if (h.rows.length > 3 || h.more) ul.append(el('li', '', null, link(url, el('a', '', '更多匹配行见原表…'))));
      li.append(ul);
    }
    return li;
  }

  function init() {
    const app = document.getElementById('gk-search-app');
    const params = new URLSearchParams(location.search), q0 = params.get('q') || '';
    const forms = [...document.querySelectorAll('form.gk-search')].filter((fm) => fm.q);
    const inputs = forms.map((fm) => fm.q);
    for (const i of inputs) if (!i.value) i.value = q0;
    if (!app) return;
    const status = el('p', 'gk-status'), filt = el('div', 'gk-filters'), list = el('ol', 'gk-results');
    const more = el('button', 'gk-more', '更多结果');
    status.setAttribute('role', 'status');
    more.type = 'button'; more.hidden = true;
    app.append(status, filt, list, more);
    if (location.protocol === 'file:') {
      app.replaceChildren(el('div', 'gk-notice', null,
        el('p', '', '搜索需要通过网站访问：本页是直接从电脑上的文件打开的，浏览器不允许读取搜索索引。'),
        el('p', '', '请用 ', el('code', '', 'gongkai serve'), ' 预览，或发布到网站后使用。')));
      return;
    }
    const ix = Index(new URL(app.dataset.index || 'index/', location.href)), root = app.dataset.root || '../';
    ix.getMeta().catch(() => {}); // saves a round trip on the first query
    const f = {};
    for (const [dim] of DIMS) if (params.get(dim)) f[dim] = params.get(dim);
    let S = null, seq = 0, shown = 0, lastQ = null, timer = 0;

    const setUrl = (q) => {
      const p = new URLSearchParams(q ? { q } : {});
      for (const [dim] of DIMS) if (f[dim]) p.set(dim, f[dim]);
      const u = p.toString() ? '?' + p : location.pathname;
      if (u !== location.search) try { history.replaceState(null, '', u); } catch (e) { /* ignore */ }
    };

    // The filters, each select kept across redraws (a count filled in while
    // the reader is in one does not take it away).  A value is offered while
    // a document may have it; its count is shown once no unread one may:
    // "计数中" until then, or "至少 n" / "…" when reading stopped at COUNT_CAP.
    const sels = new Map();
    function drawFilters() {
      const kids = [];
      for (const [dim, all] of DIMS) {
        const counts = S.facets[dim];
        const vals = [...counts.keys()]
          .sort((a, b) => dim === 'year' ? b - a : a.localeCompare(b, 'zh'));
        if (f[dim] && !counts.has(f[dim])) vals.unshift(f[dim]);
        if (vals.length < 2 && !f[dim]) continue;
        let sel = sels.get(dim);
        if (!sel) {
          sel = el('select');
          sel.name = dim; sel.setAttribute('aria-label', all);
          sel.addEventListener('change', () => { if (sel.value) f[dim] = sel.value; else delete f[dim]; run(lastQ, true); });
          sels.set(dim, sel);
        }
        const label = (v) => {
          const [n, more] = counts.get(v) || [0, false];
          return (dim === 'type' ? S.m.TL[v] || v : v) + '（' + (!more ? n : S.counting ? '计数中' : n ? '至少 ' + n : '…') + '）';
        };
        const opts = [['', all], ...vals.map((v) => [v, label(v)])];
        if (sel.options.length !== opts.length || opts.some(([v, t], i) => sel.options[i].value !== v || sel.options[i].text !== t)) {
          sel.replaceChildren(...opts.map(([v, t]) => new Option(t, v)));
        }
        sel.value = f[dim] || '';
        kids.push(sel);
      }
      if (kids.length !== filt.children.length || kids.some((k, i) => filt.children[i] !== k)) filt.replaceChildren(...kids);
      filt.setAttribute('aria-busy', S.counting ? 'true' : 'false');
    }

    function showStatus() {
      const [n, exact] = total(S);
      status.textContent = n ? (exact ? '找到 ' : '约 ') + n + ' 条结果' : '没有找到包含“' + lastQ.trim() + '”的内容';
    }

    async function page(my, want) {
      await ensure(ix, S, want);
      if (my !== seq) return;
      shown = Math.min(want, S.ver.length);
      list.replaceChildren(...S.ver.slice(0, shown).map((h) => hitItem(h, S, root)));
      if (!S.running && S.dirty) { S.dirty = false; tally(S); drawFilters(); } // the docs verified count too
      showStatus();
      if (S.counting && !S.running) {
        const s = S;
        s.running = true;
        setTimeout(() => count(ix, s, () => { drawFilters(); showStatus(); }) // after the results are painted
          .catch(() => { s.counting = false; if (!s.dead) drawFilters(); }) // a file not read: the counts stay unsure
          .finally(() => { s.running = false; }));
      }
      more.hidden = !(S.ver.length > shown || S.pos < S.order.length);
    }

    async function run(q, force) {
      q = q || '';
      if (q === lastQ && !force) return null;
      lastQ = q;
      const my = ++seq, t0 = performance.now();
      if (S) S.dead = true; // its counting stops
      setUrl(q.trim());
      try {
        status.textContent = '正在搜索…';
        const s = await session(ix, q, f);
        if (my !== seq) return null;
        more.hidden = true;
        S = s.status === 'ok' ? s : null;
        if (S) {
          drawFilters();
          await page(my, PAGE);
        } else {
          list.replaceChildren(); filt.replaceChildren(); filt.removeAttribute('aria-busy');
          status.textContent = s.status === 'short' ? '请至少输入两个字' : '输入姓名、村名、项目名称或文号进行搜索';
        }
      } catch (e) {
        if (my === seq) status.textContent = '搜索索引加载失败，请检查网络后刷新重试。';
        throw e;
      }
      return performance.now() - t0;
    }

    more.addEventListener('click', () => { if (S) page(seq, shown + PAGE); });
    const typed = (i) => (e) => {
      if (e.isComposing) return; // pinyin still being composed
      for (const o of inputs) if (o !== i) o.value = i.value;
      clearTimeout(timer);
      timer = setTimeout(() => run(i.value).catch(() => {}), 250);
    };
    inputs.forEach((i, n) => {
      i.addEventListener('input', typed(i));
      i.addEventListener('compositionend', typed(i));
      forms[n].addEventListener('submit', (e) => { e.preventDefault(); clearTimeout(timer); run(i.value, true).catch(() => {}); });
    });
    Object.assign(window.GKSearch, {
      run: (q) => run(q, true),
      results: () => (S ? S.ver.slice(0, shown).map((h) => [h.d.u, h.rows.map((r) => r.a)]) : []),
    });
    run(q0).catch(() => {});
  }

  window.GKSearch = { canon, parse, grams, shardOf, decode, candidates, rowLink }; // decode, candidates, rowLink: also for county-search.js
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
