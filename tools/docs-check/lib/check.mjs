// Runs every check over a list of Markdown files.

import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createMarkdown, analyse } from './markdown.mjs';
import { createTexChecker, parseMermaid } from './engines.mjs';

export const FIXTURES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', '.fixtures');

// ---------------------------------------------------------------------------
// finding files

function skippedDir(name) {
  return name === 'node_modules' || name.startsWith('.');
}

function underDir(p, dir) {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function gitListing(dir) {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 * 1024 * 1024,
    });
    return out.split('\0').filter(Boolean).map((p) => path.resolve(dir, p));
  } catch {
    return null;
  }
}

function walk(dir, acc) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skippedDir(entry.name)) walk(p, acc);
    } else if (entry.isFile()) {
      acc.push(p);
    }
  }
  return acc;
}

/**
 * The Markdown files under a directory: git's view of it (tracked plus
 * untracked-but-not-ignored files) inside a work tree, else a plain walk.
 * node_modules, dot-folders and this checker's test fixtures are skipped
 * (the fixtures only when the directory is not itself inside them).
 */
export function collectMarkdown(dir) {
  const root = path.resolve(dir);
  const skipFixtures = !underDir(root, FIXTURES_DIR);
  const all = gitListing(root) ?? walk(root, []);
  return all.filter((p) => {
    if (!p.toLowerCase().endsWith('.md')) return false;
    const rel = path.relative(root, p).split(path.sep);
    if (rel.slice(0, -1).some(skippedDir)) return false;
    if (skipFixtures && underDir(p, FIXTURES_DIR)) return false;
    try { return fs.statSync(p).isFile(); } catch { return false; }
  }).sort();
}

const DEFINES_MACROS = /\\(?:[egx]?def|(?:re|provide)?newcommand|let|Declare|(?:re)?newenvironment|require)/;

// ---------------------------------------------------------------------------
// links

function repoRootOf(file) {
  let dir = path.dirname(file);
  for (;;) {
    if (fs.existsSync(path.join(dir, '.git'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

function percentDecode(s) {
  try { return decodeURIComponent(s); } catch { return s; }
}

function statOf(p) {
  try { return fs.statSync(p); } catch { return null; }
}

// ---------------------------------------------------------------------------

export async function checkFiles(files, { cwd = process.cwd() } = {}) {
  const md = createMarkdown();
  const analyses = new Map(); // absolute path -> analysis (or null if unreadable)
  const getAnalysis = (file) => {
    if (!analyses.has(file)) {
      let src = null;
      try { src = fs.readFileSync(file, 'utf8'); } catch { /* unreadable */ }
      analyses.set(file, src === null ? null : analyse(md, src.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n')));
    }
    return analyses.get(file);
  };

  const problems = [];
  const stats = { files: files.length, mermaid: 0, math: 0, links: 0 };

  for (const file of files) {
    const abs = path.resolve(file);
    const shown = path.relative(cwd, abs) || abs;
    const report = (line, kind, message) => problems.push({ file: shown, line, kind, message });
    const a = getAnalysis(abs);
    if (!a) { report(1, 'read', 'cannot read file'); continue; }

    for (const p of a.problems) report(p.line, p.kind, p.message);

    // math
    const tex = a.math.length ? createTexChecker() : null;
    // identical formulas give identical verdicts unless the file defines macros
    const memo = a.math.some((m) => DEFINES_MACROS.test(m.tex)) ? null : new Map();
    for (const m of a.math) {
      stats.math++;
      const key = (m.display ? 'D' : 'I') + m.tex;
      let err;
      if (memo && memo.has(key)) err = memo.get(key);
      else {
        err = tex.check(m.tex, m.display);
        memo?.set(key, err);
      }
      if (err) {
        const shownTex = m.tex.trim().replace(/\s+/g, ' ');
        report(m.line, 'math', `MathJax rejects ${JSON.stringify(shownTex.length > 60 ? shownTex.slice(0, 57) + '...' : shownTex)}: ${err}`);
      }
    }

    // mermaid
    for (const d of a.mermaid) {
      stats.mermaid++;
      const err = await parseMermaid(d.source);
      if (err) {
        let line = d.line;
        if (err.line) line = Math.min(Math.max(d.line + err.line, d.line + 1), Math.max(d.endLine - 1, d.line + 1));
        report(line, 'mermaid', err.message);
      }
    }

    // links
    const repoRoot = repoRootOf(abs) ?? path.resolve(cwd);
    for (const l of a.links) {
      const href = (l.href ?? '').trim();
      if (!href || /^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//')) continue;
      stats.links++;
      const hash = href.indexOf('#');
      let pathPart = hash === -1 ? href : href.slice(0, hash);
      const frag = hash === -1 ? null : percentDecode(href.slice(hash + 1));
      pathPart = pathPart.replace(/\?.*$/, '');
      let target = abs;
      if (pathPart) {
        const decoded = percentDecode(pathPart);
        target = decoded.startsWith('/') ? path.join(repoRoot, decoded) : path.resolve(path.dirname(abs), decoded);
        const st = statOf(target);
        if (!st) {
          const what = l.kind === 'image' ? 'image' : 'link';
          report(l.line, what, `${what} target ${JSON.stringify(href)} does not exist (resolved to ${path.relative(cwd, target) || '.'}); fix the path, relative to this file`);
          continue;
        }
        if (st.isDirectory()) {
          const readme = ['README.md', 'readme.md', 'Readme.md'].map((n) => path.join(target, n)).find((p) => statOf(p)?.isFile());
          if (!readme) continue; // anchors into a folder listing are not checked
          target = readme;
        }
      }
      if (!frag) continue;
      if (!target.toLowerCase().endsWith('.md')) continue; // e.g. file.py#L10
      const ta = getAnalysis(target);
      if (!ta) continue;
      const id = frag.startsWith('user-content-') ? frag.slice('user-content-'.length) : frag;
      // GitHub's page script falls back to the lower-cased fragment
      if (!ta.anchors.has(id) && !ta.anchors.has(id.toLowerCase())) {
        const near = closest(id, ta.anchors);
        const where = target === abs ? 'this file' : path.relative(cwd, target);
        report(l.line, 'anchor', `#${frag} matches no heading or id in ${where}${near ? ` (did you mean #${near}?)` : ''}; anchors are GitHub heading slugs: lower-case, punctuation removed, spaces to -`);
      }
    }
  }
  problems.sort((x, y) => (x.file < y.file ? -1 : x.file > y.file ? 1 : x.line - y.line));
  return { problems, stats };
}

function closest(word, candidates) {
  let best = null; let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c);
    if (d < bestD) { bestD = d; best = c; }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

function editDistance(a, b) {
  if (Math.abs(a.length - b.length) > 10) return Infinity;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
