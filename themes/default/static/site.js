/* gongkai default theme: the 大字版 switch, 公示 badges that stay right
 * after the build date, [data-gk-print] buttons.  Every page works without it.
 *
 * 大字版: <button id="gk-text-size" hidden aria-pressed="false"> in the
 *   header is shown and toggles class gk-large on <html>, kept in
 *   localStorage ("gk-large") and applied before the page paints (this
 *   file loads in <head>).
 * Badges: <span class="badge" data-start="YYYY-MM-DD" data-end="YYYY-MM-DD">
 *   is recomputed from its dates and the reader's clock, worded as the
 *   build words it (partials/macros.html notice_status). */
(function () {
  'use strict';
  var KEY = 'gk-large';
  var root = document.documentElement;

  function stored() {
    try { return window.localStorage.getItem(KEY) === '1'; } catch (e) { return false; }
  }
  function store(on) {
    try {
      if (on) window.localStorage.setItem(KEY, '1'); else window.localStorage.removeItem(KEY);
    } catch (e) { /* private mode: the switch still works on this page */ }
  }
  if (stored()) root.classList.add('gk-large');

  function day(s) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || '');
    return m ? new Date(+m[1], +m[2] - 1, +m[3]) : null;
  }
  function cn(d) {
    return d.getFullYear() + '年' + (d.getMonth() + 1) + '月' + d.getDate() + '日';
  }

  // [class, text] of a notice period on `today` (dates at local midnight).
  function status(start, end, today) {
    if (today < start) return ['badge-soon', '公示未开始（' + cn(start) + '开始）'];
    if (today > end) return ['badge-off', '公示已结束（' + cn(end) + '截止）'];
    var left = Math.round((end - today) / 864e5);
    return ['badge-on', left === 0 ? '公示中（今天截止）' : '公示中（还剩 ' + left + ' 天，' + cn(end) + '截止）'];
  }

  function badges() {
    var now = new Date();
    var today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
    var els = document.querySelectorAll('.badge[data-start][data-end]');
    for (var i = 0; i < els.length; i++) {
      var el = els[i], s = day(el.getAttribute('data-start')), e = day(el.getAttribute('data-end'));
      if (!s || !e) continue;
      var st = status(s, e, today);
      el.className = 'badge ' + st[0];
      if (el.textContent !== st[1]) el.textContent = st[1];
    }
  }

  function textSize() {
    var btn = document.getElementById('gk-text-size');
    if (!btn) return;
    btn.setAttribute('aria-pressed', root.classList.contains('gk-large') ? 'true' : 'false');
    btn.hidden = false;
    btn.addEventListener('click', function () {
      var on = !root.classList.contains('gk-large');
      root.classList.toggle('gk-large', on);
      btn.setAttribute('aria-pressed', on ? 'true' : 'false');
      store(on);
    });
  }

  function printButton() {
    var b = document.querySelector('[data-gk-print]');
    if (b) { b.onclick = function () { window.print(); }; b.parentNode.hidden = false; }
  }

  function ready() {
    badges();
    textSize();
    printButton();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', ready);
  else ready();
  window.GKSite = { status: status };  // test hook
})();
