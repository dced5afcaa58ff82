/* newsmirror: the 原文 / 简体 / 繁體 switch. Converts the page's text in place, character by character, with
   tables that OpenCC made at build time (site/hanzi.py); remembers the reader's choice in localStorage. Works
   from a file or any static host; without JavaScript the page simply stays as mirrored. */
(function () {
  "use strict";
  var PAIRS = {s: "__T2S__", t: "__S2T__"};
  var KEY = "newsmirror-hanzi";
  var LABELS = [["", "原文"], ["s", "简体"], ["t", "繁體"]];
  var SKIP = {SCRIPT: 1, STYLE: 1, TEXTAREA: 1, CODE: 1, PRE: 1, NOSCRIPT: 1};
  var tables = {}, originals = new Map(), mode = "", buttons = [];

  function table(name) {
    if (!tables[name]) {
      var pairs = Array.from(PAIRS[name]), map = {};  // by code point: a few targets lie beyond U+FFFF
      for (var i = 0; i < pairs.length; i += 2) { map[pairs[i]] = pairs[i + 1]; }
      tables[name] = map;
    }
    return tables[name];
  }
  function convert(text, name) {
    var map = table(name), out = "";
    for (var i = 0; i < text.length; i++) { var c = text[i]; out += map[c] || c; }
    return out;
  }
  function textNodes(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {acceptNode: function (node) {
      for (var p = node.parentNode; p && p !== root.parentNode; p = p.parentNode) {
        if (SKIP[p.nodeName] || (p.classList && p.classList.contains("hanzi-switch"))) { return NodeFilter.FILTER_REJECT; }
      }
      return /[\u3400-\u9fff]/.test(node.nodeValue) || originals.has(node) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT;
    }});
    var nodes = [];
    while (walker.nextNode()) { nodes.push(walker.currentNode); }
    return nodes;
  }
  function apply(root) {
    textNodes(root).forEach(function (node) {
      if (!originals.has(node)) { originals.set(node, node.nodeValue); }
      var original = originals.get(node);
      var wanted = mode ? convert(original, mode) : original;
      if (node.nodeValue !== wanted) { node.nodeValue = wanted; }
    });
  }
  function choose(name) {
    mode = name;
    try { if (name) { localStorage.setItem(KEY, name); } else { localStorage.removeItem(KEY); } } catch (e) { /* private mode */ }
    document.documentElement.setAttribute("data-hanzi", name || "original");
    if (!originals.has(document)) { originals.set(document, document.title); }
    document.title = name ? convert(originals.get(document), name) : originals.get(document);
    apply(document.body);
    buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.value === name)); });
  }
  function build() {
    var group = document.createElement("div");
    group.className = "hanzi-switch";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "字形");
    LABELS.forEach(function (item) {
      var button = document.createElement("button");
      button.type = "button"; button.value = item[0]; button.textContent = item[1];
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", function () { choose(item[0]); });
      buttons.push(button); group.appendChild(button);
    });
    var header = document.querySelector("header.site") || document.body;
    header.appendChild(group);
  }
  function start() {
    build();
    var saved = "";
    try { saved = localStorage.getItem(KEY) || ""; } catch (e) { saved = ""; }
    choose(PAIRS[saved] ? saved : "");
    // Text added later (search results) follows the choice.
    new MutationObserver(function (changes) {
      if (!mode) { return; }
      changes.forEach(function (change) {
        change.addedNodes.forEach(function (node) {
          if (node.nodeType === 1) { apply(node); } else if (node.nodeType === 3 && node.parentNode) { apply(node.parentNode); }
        });
      });
    }).observe(document.body, {childList: true, subtree: true});
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
