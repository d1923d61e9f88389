// Self-test: node --test tools/docs-check/test/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkFiles, collectMarkdown, FIXTURES_DIR } from '../lib/check.mjs';
import { createMarkdown, analyse } from '../lib/markdown.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TOOL = path.resolve(HERE, '..');
const CLI = path.join(TOOL, 'check.mjs');
const GOOD = path.join(FIXTURES_DIR, 'good');
const BAD = path.join(FIXTURES_DIR, 'bad');

const fmt = (ps) => ps.map((p) => `${p.file}:${p.line}: ${p.kind}: ${p.message}`).join('\n');

test('the good fixtures produce no problems', async () => {
  const files = collectMarkdown(GOOD);
  assert.ok(files.length >= 2, 'good fixtures found');
  const { problems, stats } = await checkFiles(files);
  assert.equal(fmt(problems), '');
  assert.ok(stats.mermaid >= 2 && stats.math >= 20 && stats.links >= 10, JSON.stringify(stats));
});

const badFiles = fs.readdirSync(BAD).filter((f) => f.endsWith('.md')).sort();

test('there is a bad fixture for every kind of problem', () => {
  const kinds = new Set(badFiles.map((f) => /<!-- expect: \d+ (\S+) -->/.exec(fs.readFileSync(path.join(BAD, f), 'utf8'))[1]));
  for (const k of ['mermaid', 'math', 'math-unsafe', 'math-display', 'math-delim', 'math-boundary',
    'math-table-pipe', 'math-comment', 'dollar', 'link', 'anchor', 'image']) {
    assert.ok(kinds.has(k), `no fixture for ${k}`);
  }
});

for (const name of badFiles) {
  test(`bad fixture ${name} gives exactly its one problem`, async () => {
    const file = path.join(BAD, name);
    const m = /<!-- expect: (\d+) (\S+) -->/.exec(fs.readFileSync(file, 'utf8'));
    assert.ok(m, 'fixture declares <!-- expect: LINE KIND -->');
    const { problems } = await checkFiles([file]);
    assert.equal(problems.length, 1, `expected one problem, got:\n${fmt(problems)}`);
    assert.equal(problems[0].kind, m[2], fmt(problems));
    assert.equal(problems[0].line, Number(m[1]), fmt(problems));
    assert.ok(problems[0].message.length > 10);
  });
}

// ---------------------------------------------------------------------------
// finer points, on small inline sources

const md = createMarkdown();
const probe = (src) => analyse(md, src).problems.map((p) => `${p.line} ${p.kind}`);

test('line numbers follow the source through paragraphs, lists, quotes and tables', () => {
  assert.deepEqual(probe('# T\n\nfirst line\nsecond $x_1$ line\n'), ['4 math-unsafe']);
  assert.deepEqual(probe('- a\n- b\n  continued $x_1$\n'), ['3 math-unsafe']);
  assert.deepEqual(probe('> quote\n> more $x_1$\n'), ['2 math-unsafe']);
  assert.deepEqual(probe('| a | b |\n| - | - |\n| 1 | 2 |\n| $x_1$ | 3 |\n'), ['4 math-unsafe']);
  assert.deepEqual(probe('Setext $x_1$\n===\n'), ['1 math-unsafe']);
  assert.deepEqual(probe('text [a link with $x_1$\nin it](#t)\n\n# T\n'), ['1 math-unsafe']);
});

test('code is never math', () => {
  assert.deepEqual(probe('`$x_1$` and ``a ` $ b`` and\n\n    $ indented\n\n```sh\n$ ls $$\n```\n'), []);
  assert.deepEqual(probe('<!-- $x_1$ and \\(x\\) -->\n'), []);
  assert.deepEqual(probe('<div>\n$x_1$ in an HTML block\n</div>\n'), []);
  assert.deepEqual(probe('`\\(x\\)`\n'), []);
});

test('literal dollars', () => {
  assert.deepEqual(probe('costs \\$5 and \\$10 with $x$\n'), []);
  assert.deepEqual(probe('costs <span>$</span>5 with $x$\n'), []);
  assert.deepEqual(probe('costs $5 and $10\n'), ['1 math-boundary']);
  assert.deepEqual(probe('US$5\n'), ['1 dollar']);
  assert.deepEqual(probe('a $`x`$ b and $ c\n'), ['1 dollar']);
});

test('math boundaries', () => {
  assert.deepEqual(probe('$x$, $y$. $z$; ($w$ is bad)\n'), ['1 math-boundary']);
  assert.deepEqual(probe('**bold**: $x$ and $`x_1`$!\n'), []);
  assert.deepEqual(probe('$`x`$s\n'), ['1 math-boundary']);
  assert.deepEqual(probe('x$`y`$\n'), ['1 math-boundary']);
});

test('percent and escapes in math', () => {
  assert.deepEqual(probe('$`50\\%`$ is fine\n'), []);
  assert.deepEqual(probe('$50 %$ is not\n'), ['1 math-comment']);
  assert.deepEqual(probe('\\[1\\] and \\(2\\)\n'), ['1 math-delim', '1 math-delim']);
  assert.deepEqual(probe('a lone \\[ is an escaped bracket\n'), []);
});

test('a table row with a pipe in math gives one problem, not a cascade', () => {
  assert.deepEqual(probe('| a | b |\n| - | - |\n| $x|y$ | $`p(a|b)`$ |\n'), ['3 math-table-pipe']);
  assert.deepEqual(probe('| a | b |\n| - | - |\n| $`a \\mid b`$ | `x|y` |\n'), []);
});

test('heading slugs follow GitHub', () => {
  const { anchors } = analyse(md, '# Hello, World!\n## Hello, World!\n### C++ & `code` 🎉\n## A $x$ bound\n<a id="x1"></a>\n<a name="n1"></a>\n');
  for (const a of ['hello-world', 'hello-world-1', 'c--code-', 'a-x-bound', 'x1', 'n1']) assert.ok(anchors.has(a), `${a} in ${[...anchors]}`);
});

// ---------------------------------------------------------------------------
// the command line

test('directory runs skip node_modules, dot-folders and the fixtures', () => {
  const files = collectMarkdown(TOOL).map((f) => path.relative(TOOL, f));
  assert.ok(files.includes('README.md'), files.join(' '));
  assert.ok(!files.some((f) => f.startsWith('test/.fixtures') || f.includes('node_modules') || f.split('/').some((s) => s.startsWith('.'))), files.join(' '));
  // the fixtures are found when asked for directly
  assert.ok(collectMarkdown(BAD).length === badFiles.length);
});

test('CLI: exit codes, output format and summary', () => {
  const ok = spawnSync(process.execPath, [CLI, GOOD], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^docs-check: OK/m);

  const bad = spawnSync(process.execPath, [CLI, path.join(BAD, 'dead-link.md'), path.join(BAD, 'unsafe-backslash.md')], { encoding: 'utf8', cwd: TOOL });
  assert.equal(bad.status, 1, bad.stdout + bad.stderr);
  const lines = bad.stdout.trim().split('\n');
  assert.match(lines[0], /^test\/\.fixtures\/bad\/dead-link\.md:3: link: /);
  assert.match(lines[1], /^test\/\.fixtures\/bad\/unsafe-backslash\.md:3: math-unsafe: /);
  assert.match(lines[2], /^docs-check: 2 problem\(s\) in 2 file\(s\)/);
  assert.equal(lines.length, 3);

  const usage = spawnSync(process.execPath, [CLI, path.join(TOOL, 'no-such-dir')], { encoding: 'utf8' });
  assert.equal(usage.status, 2);
  const opt = spawnSync(process.execPath, [CLI, '--bogus'], { encoding: 'utf8' });
  assert.equal(opt.status, 2);
});

test('the checker\'s own folder passes (README included)', () => {
  const out = execFileSync(process.execPath, [CLI, TOOL], { encoding: 'utf8' });
  assert.match(out, /^docs-check: OK/m);
});

test('anchors: letter case, user-content- prefix, footnotes, folder READMEs', async () => {
  const os = await import('node:os');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docs-check-'));
  try {
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'README.md'), '# Sub Page\n');
    fs.writeFileSync(path.join(dir, 'a.md'), [
      '\uFEFF# Intro Part', '',
      '[a](#Intro-Part) [b](#user-content-intro-part) [c](sub/#sub-page) [d](sub#sub-page)',
      'Text with a footnote[^1].', '', '[^1]: Footnote', '',
      '[bad](sub/#nope)', '',
    ].join('\r\n'));
    const { problems } = await checkFiles([path.join(dir, 'a.md')]);
    assert.deepEqual(problems.map((p) => `${p.line} ${p.kind}`), ['8 anchor']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
