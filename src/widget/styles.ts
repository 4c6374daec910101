/**
 * The widget's own styles, inside its shadow root. Sites restyle it through the custom
 * properties below (set on `threadline-comments` or any ancestor) and the parts it exposes
 * (`threadline-comments::part(comment)`, `author`, `body`, `actions`, `button`, `reaction`,
 * `pinned`, `form`, `textarea`, `error`, `notice`).
 */
export const styles = `
:host {
  display: block;
  font: var(--threadline-font, inherit);
  color: var(--threadline-color, #1f2328);
  background: var(--threadline-background, transparent);
  --accent: var(--threadline-accent, #0b57d0);
  --muted: var(--threadline-muted, #57606a);
  --border: var(--threadline-border, #d0d7de);
  --indent: var(--threadline-indent, 1.25rem);
}
[hidden] { display: none !important; }
h2 { font-size: 1.25em; margin: 0 0 .75em; }
ol { list-style: none; margin: 0; padding: 0; }
ol ol { margin-left: var(--indent); padding-left: .75rem; border-left: 2px solid var(--border); }
article { padding: .75em 0; scroll-margin-top: 4rem; }
article:target, article.target { outline: 3px solid var(--accent); outline-offset: 4px; border-radius: 2px; }
header { display: flex; flex-wrap: wrap; gap: .5em; align-items: baseline; color: var(--muted); font-size: .9em; }
header strong { color: var(--threadline-color, #1f2328); }
a { color: var(--accent); }
.body p { margin: .4em 0; }
blockquote { margin: .5em 0; padding: .25em .75em; border-left: 3px solid var(--border); color: var(--muted); }
blockquote footer { font-size: .85em; }
.deleted { color: var(--muted); font-style: italic; }
.actions { display: flex; flex-wrap: wrap; gap: .5em; align-items: center; font-size: .9em; color: var(--muted); }
.quoted-by { margin: .4em 0; font-size: .9em; color: var(--muted); }
button {
  font: inherit; font-size: .9em; cursor: pointer; border: 1px solid var(--border); border-radius: 6px;
  background: var(--threadline-button-background, #f6f8fa); color: var(--threadline-color, #1f2328); padding: .25em .75em;
}
button:hover { border-color: var(--accent); }
button:focus-visible, textarea:focus-visible, a:focus-visible, article:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
form { display: grid; gap: .5em; margin: .75em 0; }
label { font-weight: 600; }
textarea { font: inherit; min-height: 5em; padding: .5em; border: 1px solid var(--border); border-radius: 6px; resize: vertical; }
.quoting { margin: 0; font-size: .9em; color: var(--muted); }
.pinned > li { border-left: 3px solid var(--accent); padding-left: .75rem; margin-bottom: .5em; }
.reaction[aria-pressed="true"] { border-color: var(--accent); background: var(--threadline-pressed-background, #ddf4ff); }
.badge { border: 1px solid var(--border); border-radius: 1em; padding: 0 .6em; font-size: .85em; }
.note { color: var(--muted); font-size: .9em; font-style: italic; }
fieldset { border: 1px solid var(--border); border-radius: 6px; display: grid; gap: .25em; }
.choice { font-weight: normal; }
.error { color: #a40e26; margin: .5em 0; }
.notice { position: fixed; top: 1rem; left: 50%; transform: translateX(-50%); z-index: 1; box-shadow: 0 2px 8px rgb(0 0 0 / .25); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
