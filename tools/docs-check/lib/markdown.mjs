// Markdown analysis: one markdown-it parse per file finds code (skipped),
// math spans, mermaid blocks, headings, links and HTML ids, each with its
// 1-based source line, plus the house-rule problems found while parsing.

import MarkdownIt from 'markdown-it';
import GithubSlugger from 'github-slugger';

// Characters a plain `$...$` span may not contain: GitHub's Markdown pass
// runs before MathJax sees the text and rewrites or eats each of these.
const UNSAFE = new Set(['\\', '_', '*', '|', '{', '}', '[', ']', '<', '>', '`']);
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const WHITESPACE = /\s/u;

const FIX_BACKTICK = 'write it as $`...`$ (backtick form, passed verbatim to MathJax)';

// ---------------------------------------------------------------------------
// inline rules

function isEscaped(src, pos) {
  let n = 0;
  while (pos - 1 - n >= 0 && src.charCodeAt(pos - 1 - n) === 0x5c) n++;
  return n % 2 === 1;
}

// Returns the end (exclusive) of a code span starting with the backtick run
// at pos, or -1 when the run has no closing run of the same length.
function codeSpanEnd(src, pos, max) {
  let p = pos;
  while (p < max && src.charCodeAt(p) === 0x60) p++;
  const n = p - pos;
  const close = findBacktickRun(src, p, max, n);
  return close === -1 ? -1 : close + n;
}

// Start of the next run of exactly n backticks at or after pos, or -1.
function findBacktickRun(src, pos, max, n) {
  let q = pos;
  while (q < max) {
    if (src.charCodeAt(q) !== 0x60) { q++; continue; }
    let r = q;
    while (r < max && src.charCodeAt(r) === 0x60) r++;
    if (r - q === n) return q;
    q = r;
  }
  return -1;
}

// CommonMark code span content normalisation (what GitHub hands to MathJax
// for $`...`$).
function codeSpanContent(raw) {
  let s = raw.replace(/\n/g, ' ');
  if (s.length > 2 && s[0] === ' ' && s[s.length - 1] === ' ' && /[^ ]/.test(s)) {
    s = s.slice(1, -1);
  }
  return s;
}

function boundaryProblems(src, start, end) {
  const msgs = [];
  const before = start > 0 ? src[start - 1] : '';
  if (before && !WHITESPACE.test(before)) {
    msgs.push(`the opening $ follows ${JSON.stringify(before)}; GitHub only starts math at the beginning of a line or after a space (put a space before it)`);
  }
  const after = end < src.length ? String.fromCodePoint(src.codePointAt(end)) : '';
  if (after && LETTER_OR_DIGIT.test(after)) {
    msgs.push(`the closing $ is followed by ${JSON.stringify(after)}; GitHub does not end math before a letter or digit (put a space after it, or move the text into the math)`);
  }
  return msgs;
}

function unescapedPercent(s) {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%' && !isEscaped(s, i)) return true;
  }
  return false;
}

function mathRule(state, silent) {
  const src = state.src;
  const start = state.pos;
  const max = state.posMax;
  if (src.charCodeAt(start) !== 0x24 /* $ */) return false;

  // <span>$</span> is GitHub's documented way to show a literal dollar.
  if (src.slice(Math.max(0, start - 6), start).toLowerCase() === '<span>' &&
      src.slice(start + 1, start + 8).toLowerCase() === '</span>') {
    return false;
  }

  let form; let content = ''; let end;

  if (src.charCodeAt(start + 1) === 0x24) {
    // $$ ... $$
    let q = start + 2;
    let close = -1;
    while (q < max - 1) {
      if (src.charCodeAt(q) === 0x24 && src.charCodeAt(q + 1) === 0x24 && !isEscaped(src, q)) { close = q; break; }
      q++;
    }
    form = 'display';
    if (close === -1) { end = start + 2; content = null; } else { content = src.slice(start + 2, close); end = close + 2; }
  } else if (src.charCodeAt(start + 1) === 0x60) {
    // $`...`$
    let p = start + 1;
    while (p < max && src.charCodeAt(p) === 0x60) p++;
    const n = p - start - 1;
    const close = findBacktickRun(src, p, max, n);
    if (close !== -1 && src.charCodeAt(close + n) === 0x24 && close + n < max) {
      form = 'backtick';
      content = codeSpanContent(src.slice(p, close));
      end = close + n + 1;
    } else {
      form = 'lone';
      end = start + 1;
    }
  } else {
    // $...$ : the next unescaped $, code spans taking precedence
    let q = start + 1;
    let close = -1;
    while (q < max) {
      const c = src.charCodeAt(q);
      if (c === 0x5c) { q += 2; continue; }
      if (c === 0x60) {
        const e = codeSpanEnd(src, q, max);
        if (e !== -1) { q = e; continue; }
        while (q < max && src.charCodeAt(q) === 0x60) q++;
        continue;
      }
      if (c === 0x24) { close = q; break; }
      q++;
    }
    if (close === -1) {
      form = 'lone';
      end = start + 1;
    } else {
      form = 'plain';
      content = src.slice(start + 1, close);
      end = close + 1;
    }
  }

  if (!silent) {
    const token = state.push(form === 'lone' ? 'dollar_lone' : 'math_inline', '', 0);
    token.markup = form;
    token.content = content ?? '';
    token.raw = src.slice(start, end);
    const problems = [];
    if (form === 'lone') {
      problems.push(['dollar', 'unpaired $: GitHub may pair it with another $ and render math; escape a literal dollar as \\$ (or put it in a code span)']);
    } else if (form === 'display') {
      problems.push(['math-display', content === null
        ? '$$ without a closing $$; display math must use a ```math fenced block'
        : '$$...$$ display math is not allowed: use a ```math fenced block instead']);
      if (content === null) token.content = null;
    } else {
      const b = boundaryProblems(src, start, end);
      if (b.length) problems.push(['math-boundary', `${token.raw.length > 40 ? token.raw.slice(0, 37) + '...' : token.raw}: ${b.join('; ')}; a literal dollar is written \\$`]);
      if (form === 'plain') {
        const bad = [...new Set([...content].filter((c) => UNSAFE.has(c)))];
        if (bad.length) {
          problems.push(['math-unsafe', `$...$ contains ${bad.map((c) => JSON.stringify(c)).join(' ')}, which GitHub's Markdown rewrites before MathJax sees it: ${FIX_BACKTICK}`]);
        }
        if (content.includes('%')) {
          problems.push(['math-comment', '% in math starts a TeX comment that swallows the rest of the formula: write \\% inside $`...`$']);
        }
      } else if (unescapedPercent(content)) {
        problems.push(['math-comment', '% in math starts a TeX comment that swallows the rest of the formula: write \\%']);
      }
    }
    token.problems = problems;
  }
  state.pos = end;
  return true;
}

// \( ... \) and \[ ... \] are not math delimiters on GitHub.
function texDelimRule(state, silent) {
  const src = state.src;
  const start = state.pos;
  if (src.charCodeAt(start) !== 0x5c) return false;
  const open = src[start + 1];
  if (open !== '(' && open !== '[') return false;
  const closer = open === '(' ? '\\)' : '\\]';
  let q = start + 2;
  let found = -1;
  while (q < state.posMax - 1) {
    if (src.charCodeAt(q) === 0x5c) {
      if (src.startsWith(closer, q)) { found = q; break; }
      q += 2;
      continue;
    }
    q++;
  }
  if (found === -1) return false;
  if (!silent) {
    const token = state.push('tex_delim', '', 0);
    token.content = open;
    const pair = open === '(' ? '\\(...\\)' : '\\[...\\]';
    token.problems = [['math-delim', `${pair} is not a math delimiter on GitHub (the backslashes are eaten): use $\`...\`$ inline or a \`\`\`math block; for literal brackets drop the backslashes`]];
  }
  state.pos = start + 2;
  return true;
}

// ---------------------------------------------------------------------------
// parser

let patched = false;

export function createMarkdown() {
  const md = new MarkdownIt('default', { html: true, linkify: false });
  // keep link targets as written (no percent-encoding, no scheme filtering)
  md.normalizeLink = (url) => url;
  md.normalizeLinkText = (url) => url;
  md.validateLink = () => true;
  md.inline.ruler.before('escape', 'gh_tex_delim', texDelimRule);
  md.inline.ruler.before('escape', 'gh_math', mathRule);

  // remember where each inline token starts within its inline source
  if (!patched) {
    const State = md.inline.State;
    const push = State.prototype.push;
    State.prototype.push = function (type, tag, nesting) {
      const token = push.call(this, type, tag, nesting);
      token.srcPos = this.pos;
      return token;
    };
    patched = true;
  }

  // record the line of every reference definition
  const refRule = md.block.ruler.__rules__.find((r) => r.name === 'reference').fn;
  md.block.ruler.at('reference', (state, startLine, endLine, silent) => {
    const before = state.env.references ? Object.keys(state.env.references).length : 0;
    const ok = refRule(state, startLine, endLine, silent);
    if (ok && !silent) {
      const refs = state.env.references;
      const keys = Object.keys(refs);
      if (keys.length > before) {
        const label = keys[keys.length - 1];
        (state.env.refDefs ||= []).push({ line: startLine + 1, label, href: refs[label].href });
      }
    }
    return ok;
  });
  return md;
}

// ---------------------------------------------------------------------------
// analysis

const ATTR_RE = /\b(href|src|id|name)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/gi;
const TAG_RE = /<([a-zA-Z][a-zA-Z0-9-]*)\b([^>]*)>/g;
const COMMENT_RE = /<!--[\s\S]*?(?:-->|$)/g;

function countNewlines(s, end) {
  let n = 0;
  for (let i = 0; i < end; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

// HTML attributes of interest in a chunk of HTML (comments removed).
function scanHtml(html, baseLine, out) {
  const text = html.replace(COMMENT_RE, (m) => m.replace(/[^\n]/g, ' '));
  for (const tag of text.matchAll(TAG_RE)) {
    const tagName = tag[1].toLowerCase();
    for (const a of tag[2].matchAll(ATTR_RE)) {
      const attr = a[1].toLowerCase();
      const value = a[2] ?? a[3] ?? a[4] ?? '';
      const line = baseLine + countNewlines(text, tag.index + tag[0].indexOf(a[0]));
      if (attr === 'id' || attr === 'name') {
        if (attr === 'name' && tagName !== 'a') continue;
        out.ids.push(value);
      } else if (attr === 'href' && tagName === 'a') {
        out.links.push({ line, href: decodeEntities(value), kind: 'link' });
      } else if (attr === 'src' && (tagName === 'img' || tagName === 'source')) {
        out.links.push({ line, href: decodeEntities(value), kind: 'image' });
      }
    }
  }
}

function decodeEntities(s) {
  return s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

function headingText(children) {
  let s = '';
  for (const t of children) {
    if (t.type === 'text' || t.type === 'code_inline' || t.type === 'tex_delim') s += t.content;
    else if (t.type === 'math_inline') s += t.raw;
    else if (t.type === 'dollar_lone') s += '$';
    else if (t.type === 'softbreak' || t.type === 'hardbreak') s += '\n';
  }
  return s;
}

/**
 * Analyse one Markdown source.
 * Returns { problems, math, mermaid, links, anchors } where
 *   problems: [{line, kind, message}]
 *   math: [{line, tex, display}]           formulas to typeset
 *   mermaid: [{line, endLine, source}]     diagrams to parse (line = fence line)
 *   links: [{line, href, kind}]            'link' | 'image' | 'ref'
 *   anchors: Set of fragment ids the file defines
 */
export function analyse(md, source) {
  const env = {};
  const tokens = md.parse(source, env);
  const lines = source.split('\n');
  const out = { problems: [], math: [], mermaid: [], links: [], ids: [], headings: [] };
  const pipeLines = new Set();

  // Table rows: GFM splits a row into cells before any inline parsing, so a
  // | inside math (even inside $`...`$ or escaped as \|) breaks the row.
  for (const t of tokens) {
    if (t.type !== 'table_open' || !t.map) continue;
    for (let i = t.map[0]; i < t.map[1]; i++) {
      if (i === t.map[0] + 1) continue; // delimiter row
      const row = lines[i].replace(/^[\s>]*/, '');
      const inline = md.parseInline(row, {});
      for (const child of inline[0]?.children ?? []) {
        if (child.type === 'math_inline' && child.content.includes('|')) {
          out.problems.push({ line: i + 1, kind: 'math-table-pipe', message: `${child.raw}: | inside math on a table row splits the cell; use \\vert or \\mid (\\Vert for a double bar)` });
          pipeLines.add(i + 1);
          break;
        }
      }
    }
  }

  const MATH_KINDS = new Set(['dollar', 'math-display', 'math-boundary', 'math-unsafe', 'math-comment']);
  let rowLine = null;
  for (let idx = 0; idx < tokens.length; idx++) {
    const t = tokens[idx];
    if (t.type === 'tr_open') rowLine = t.map ? t.map[0] : null;
    if (t.type === 'fence') {
      const lang = t.info.trim().split(/\s+/)[0].toLowerCase();
      const fenceLine = t.map[0] + 1;
      if (lang === 'mermaid') out.mermaid.push({ line: fenceLine, endLine: t.map[1], source: t.content });
      else if (lang === 'math') out.math.push({ line: fenceLine + 1, tex: t.content, display: true });
      continue;
    }
    if (t.type === 'html_block') {
      scanHtml(t.content, t.map[0] + 1, out);
      continue;
    }
    if (t.type !== 'inline') continue;
    const base = t.map ? t.map[0] : rowLine;
    const lineOf = (tok) => base + 1 + countNewlines(t.content, tok.srcPos ?? 0);
    const isHeading = idx > 0 && tokens[idx - 1].type === 'heading_open';
    if (isHeading) out.headings.push({ line: base + 1, text: headingText(t.children) });
    for (const c of t.children) {
      const line = lineOf(c);
      for (const [kind, message] of c.problems ?? []) {
        if (pipeLines.has(line) && MATH_KINDS.has(kind)) continue;
        out.problems.push({ line, kind, message });
      }
      if (c.type === 'math_inline' && c.content !== null && !pipeLines.has(line)) {
        out.math.push({ line, tex: c.content, display: c.markup === 'display' });
      } else if (c.type === 'link_open') {
        out.links.push({ line, href: c.attrGet('href'), kind: 'link' });
      } else if (c.type === 'image') {
        out.links.push({ line, href: c.attrGet('src'), kind: 'image' });
      } else if (c.type === 'html_inline') {
        scanHtml(c.content, line, out);
      }
    }
  }

  // reference definitions are checked where they are defined
  const imageHrefs = new Set(out.links.filter((l) => l.kind === 'image').map((l) => l.href));
  const defHrefs = new Set((env.refDefs ?? []).map((d) => d.href));
  out.links = out.links.filter((l) => !defHrefs.has(l.href));
  for (const def of env.refDefs ?? []) {
    if (def.label.startsWith('^')) continue; // a GitHub footnote, not a link
    out.links.push({ line: def.line, href: def.href, kind: imageHrefs.has(def.href) ? 'image' : 'link', ref: true });
  }

  const slugger = new GithubSlugger();
  const anchors = new Set();
  for (const h of out.headings) anchors.add(slugger.slug(h.text));
  for (const id of out.ids) anchors.add(id);

  return { problems: out.problems, math: out.math, mermaid: out.mermaid, links: out.links, anchors };
}
